"""Over real HTTP: stores date order versions to the second. Versions of one second, delivered
in the order the stores document or the reverse, end where the store's order ended."""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import count

import pytest

from tests.e2e.conftest import RunningBot
from tests.support.http import (
    base64_signature,
    fixture_bytes,
    fixture_headers,
    hex_signature,
    request,
)

SECOND = "2026-11-02T09:00:05"  # every version below is dated this same second
_deliveries = count(1)
Version = tuple[str, int]  # (what the store says the order is now, units of Bar3)


def shopify(bot: RunningBot, state: str, units: int) -> None:
    data = json.loads(fixture_bytes("shopify", "orders_create.json"))
    data["line_items"][0].update(sku="Bar3", quantity=units, current_quantity=units)
    data["line_items"][0]["fulfillable_quantity"] = units
    data["updated_at"] = f"{SECOND}Z"
    data["cancelled_at"] = f"{SECOND}Z" if state == "cancelled" else None
    topic = "orders/cancelled" if state == "cancelled" else "orders/updated"
    body = json.dumps(data).encode()
    headers = fixture_headers("shopify", "orders_create.json") | {
        "X-Shopify-Hmac-Sha256": base64_signature(body),
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": f"delivery-{next(_deliveries)}",
    }
    assert request(f"{bot.url}/webhooks/shopify", body, headers).status == 200


def woocommerce(bot: RunningBot, state: str, units: int) -> None:
    data = json.loads(fixture_bytes("woocommerce", "order_created.wc-v3.json"))
    data.update(status=state, date_modified_gmt=SECOND, date_created_gmt="2026-11-02T09:00:00")
    data["line_items"] = [data["line_items"][1] | {"quantity": units}]  # Bar3
    body = json.dumps(data).encode()
    headers = fixture_headers("woocommerce", "order_created.wc-v3.json") | {
        "X-WC-Webhook-Signature": base64_signature(body),
        "X-WC-Webhook-Topic": "order.updated",
        "X-WC-Webhook-Delivery-ID": f"{next(_deliveries):032x}",
    }
    assert request(f"{bot.url}/webhooks/woocommerce", body, headers).status == 200


def generic(bot: RunningBot, state: str, units: int) -> None:
    body = json.dumps(
        {
            "id": "G-1",
            "number": "1002",
            "placed_at": "2026-11-02T09:00:00Z",
            "updated_at": f"{SECOND}Z",
            "status": state,
            "lines": [{"sku": "Bar3", "quantity": units}],
        }
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Signature": hex_signature(body),
        "X-Delivery-Id": f"delivery-{next(_deliveries)}",
    }
    assert request(f"{bot.url}/webhooks/orders", body, headers).status == 200


# Each store's documented life of an order, every step in the same second.
SEQUENCES: dict[str, tuple[Callable[[RunningBot, str, int], None], str, list[Version]]] = {
    "shopify": (shopify, "1002", [("open", 2), ("open", 3), ("cancelled", 3)]),
    "woocommerce": (woocommerce, "727", [("pending", 2), ("processing", 3), ("cancelled", 3)]),
    "woocommerce-paid": (woocommerce, "727", [("pending", 2), ("on-hold", 3), ("processing", 4)]),
    "orders": (generic, "1002", [("open", 2), ("open", 3), ("cancelled", 3)]),
}


def final_state(bot: RunningBot, number: str) -> tuple[bool, int]:
    [order] = bot.bot.backorders.order(number)
    return order.cancelled, order.waiting_units


@pytest.mark.parametrize("name", SEQUENCES)
@pytest.mark.parametrize("arrival", ["documented", "reversed"])
def test_versions_of_one_second_end_as_the_store_ended_in_any_arrival_order(
    stocked_bot: RunningBot, name: str, arrival: str
) -> None:
    send, number, versions = SEQUENCES[name]
    for state, units in versions if arrival == "documented" else versions[::-1]:
        send(stocked_bot, state, units)
    last_state, last_units = versions[-1]
    expected = (True, 0) if last_state == "cancelled" else (False, last_units)
    assert final_state(stocked_bot, number) == expected
    assert stocked_bot.bot.backorders.overview().suppliers == () or not expected[0]


def test_a_woocommerce_cancellation_in_the_second_of_the_last_update_frees_the_units(
    stocked_bot: RunningBot,
) -> None:
    woocommerce(stocked_bot, "processing", 2)
    woocommerce(stocked_bot, "cancelled", 2)
    assert final_state(stocked_bot, "727") == (True, 0)
