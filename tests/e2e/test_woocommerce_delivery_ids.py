"""Over real HTTP: WooCommerce names a delivery `wp_hash(webhook id . the current second)`
(WC_Webhook::get_new_delivery_id), so every delivery one webhook makes in one second carries the
same X-WC-Webhook-Delivery-ID: a bulk action over several orders, or an order processed and
cancelled within a second. Each of them must still count."""

from __future__ import annotations

import json

from tests.e2e.conftest import RunningBot
from tests.support.http import base64_signature, fixture_bytes, fixture_headers, request

SECOND = "2026-11-02T09:00:05"
SAME_SECOND_ID = "5b3e4a1f0c9d8e7f6a5b4c3d2e1f0a9b"  # what WooCommerce sends all that second


def send(bot: RunningBot, order_id: int, status: str, delivery_id: str | None) -> str:
    data = json.loads(fixture_bytes("woocommerce", "order_created.wc-v3.json"))
    data.update(id=order_id, number=str(order_id), status=status, date_modified_gmt=SECOND)
    data["line_items"] = [data["line_items"][1] | {"quantity": 2}]  # Bar3, none in stock
    body = json.dumps(data).encode()
    headers = fixture_headers("woocommerce", "order_created.wc-v3.json") | {
        "X-WC-Webhook-Signature": base64_signature(body),
        "X-WC-Webhook-Topic": "order.updated",
    }
    headers.pop("X-WC-Webhook-Delivery-ID")
    if delivery_id is not None:
        headers["X-WC-Webhook-Delivery-ID"] = delivery_id
    reply = request(f"{bot.url}/webhooks/woocommerce", body, headers)
    assert reply.status == 200
    return str(json.loads(reply.body)["outcome"])


def waiting(bot: RunningBot, number: str) -> tuple[bool, int]:
    [order] = bot.bot.backorders.order(number)
    return order.cancelled, order.waiting_units


def test_orders_a_bulk_action_updates_in_one_second_are_each_kept(stocked_bot: RunningBot) -> None:
    assert send(stocked_bot, 801, "processing", SAME_SECOND_ID) == "applied"
    assert send(stocked_bot, 802, "processing", SAME_SECOND_ID) == "applied"

    assert waiting(stocked_bot, "802") == (False, 2)


def test_a_cancellation_in_the_second_of_the_update_frees_the_units_whatever_the_header(
    stocked_bot: RunningBot,
) -> None:
    for order_id, delivery_id in ((803, SAME_SECOND_ID), (804, None)):
        send(stocked_bot, order_id, "processing", delivery_id)
        assert send(stocked_bot, order_id, "cancelled", delivery_id) == "applied"

        assert waiting(stocked_bot, str(order_id)) == (True, 0)


def test_the_same_delivery_sent_again_changes_nothing(stocked_bot: RunningBot) -> None:
    send(stocked_bot, 805, "processing", SAME_SECOND_ID)

    assert send(stocked_bot, 805, "processing", SAME_SECOND_ID) == "duplicate"
    assert send(stocked_bot, 805, "processing", None) == "duplicate"
