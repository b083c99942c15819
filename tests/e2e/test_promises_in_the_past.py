"""Over real HTTP on SQLite and PostgreSQL: a ship-by date before the order was placed is a typo
the store must fix, not a promise already broken (the bot would at once tell the customer their
order is later than promised). It is refused with a 400 naming the field; the day before the
order counts, for a store whose calendar is behind UTC's."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import RunningBot
from tests.support.builders import catalog
from tests.support.http import (
    base64_signature,
    fixture_bytes,
    fixture_headers,
    generic_order,
    request,
    signed_generic,
)


def post_generic(bot: RunningBot, body: bytes):
    return request(f"{bot.url}/webhooks/orders", body, signed_generic(body))


@pytest.mark.parametrize(
    ("lines", "fields", "named"),
    [
        ([{"sku": "CHAIN", "quantity": 1}], {"promised_by": "2020-01-01"}, "promised_by"),
        (
            [{"sku": "CHAIN", "quantity": 1, "promised_by": "2026-10-31"}],
            {},
            "lines[0].promised_by",
        ),
    ],
)
def test_a_generic_order_promising_a_day_before_it_was_placed_is_refused(
    running_bot: RunningBot, lines: list[dict[str, object]], fields: dict[str, str], named: str
) -> None:
    body = json.dumps(json.loads(generic_order("P-9")) | fields | {"lines": lines}).encode()
    reply = post_generic(running_bot, body)  # placed Mon 2 Nov 2026
    assert reply.status == 400
    assert reply.json()["error"].startswith(f"{named} is ")
    assert "before the order was placed" in reply.json()["error"]
    nothing = running_bot.overview()
    assert (nothing.waiting_units, nothing.unplaced_lines) == (0, 0)


def test_a_promise_of_the_day_before_by_utc_is_the_stores_own_day_and_kept(
    running_bot: RunningBot,
) -> None:
    running_bot.bot.backorders.import_catalog(catalog(("CHAIN", 0)))
    body = generic_order("P-8", ("CHAIN", 1), promised_by="2026-11-01")
    assert post_generic(running_bot, body).status == 200
    [order] = running_bot.order("P-8")
    assert f"{order.lines[0].promised_by:%Y-%m-%d}" == "2026-11-01"


def test_a_shopify_note_attribute_promising_a_day_before_the_order_is_refused(
    running_bot: RunningBot,
) -> None:
    data = json.loads(fixture_bytes("shopify", "orders_create.json"))  # created in 2008
    data["note_attributes"] = [{"name": "Ships by", "value": "2007-12-24"}]
    body = json.dumps(data).encode()
    headers = fixture_headers("shopify", "orders_create.json")
    reply = request(
        f"{running_bot.url}/webhooks/shopify",
        body,
        headers | {"X-Shopify-Hmac-Sha256": base64_signature(body)},
    )
    assert reply.status == 400
    assert reply.json()["error"].startswith("note_attributes[0].value is 2007-12-24, before")
