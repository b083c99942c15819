"""Every bound a signed delivery must keep: a 400 naming the field, before the database sees it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.model import Delivery
from handlers.webhooks import WebhookRejected, fields, parse_generic, parse_shopify
from handlers.webhooks.woocommerce import parse_woocommerce
from storage.models import DeliveryRow, OrderLineRow, OrderRow
from tests.support.http import (
    SECRET,
    base64_signature,
    fixture_bytes,
    fixture_headers,
    hex_signature,
)

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
Change = Callable[[dict[str, Any]], None]


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}


def shopify(change: Change, topic: str = "orders/create", **headers: str) -> Delivery:
    """The Shopify fixture changed, signed and parsed at NOW."""
    data = json.loads(fixture_bytes("shopify", "orders_create.json"))
    change(data)
    body = json.dumps(data).encode()
    sent = lower(fixture_headers("shopify", "orders_create.json")) | headers
    sent |= {"x-shopify-topic": topic, "x-shopify-hmac-sha256": base64_signature(body)}
    return parse_shopify(body, sent, SECRET, NOW)


def woocommerce(change: Change) -> Delivery | None:
    """The WooCommerce fixture changed, signed and parsed at NOW."""
    data = json.loads(fixture_bytes("woocommerce", "order_created.wc-v3.json"))
    change(data)
    body = json.dumps(data).encode()
    sent = lower(fixture_headers("woocommerce", "order_created.wc-v3.json"))
    sent["x-wc-webhook-signature"] = base64_signature(body)
    return parse_woocommerce(body, sent, SECRET, NOW)


def generic(change: Change, **headers: str) -> Delivery:
    """A valid generic order changed, signed and parsed at NOW."""
    data: dict[str, Any] = {
        "id": "A-1",
        "placed_at": "2026-11-02T08:00:00Z",
        "lines": [{"sku": "MUG", "name": "Mug", "quantity": 2}],
    }
    change(data)
    body = json.dumps(data).encode()
    return parse_generic(body, {"x-signature": hex_signature(body)} | headers, SECRET, NOW)


def refused(parse: Callable[[], object]) -> str:
    """The message of the 400 a parse raises."""
    with pytest.raises(WebhookRejected) as caught:
        parse()
    assert caught.value.status == 400
    return caught.value.message


def setting(path: str, value: Any) -> Change:
    """A change putting `value` at a dotted path like `line_items.0.quantity`."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for part in parents:
            data = data[int(part)] if part.isdigit() else data[part]
        data[int(last) if last.isdigit() else last] = value

    return change


def test_a_quantity_past_the_maximum_is_refused_naming_the_line() -> None:
    message = refused(lambda: shopify(setting("line_items.0.current_quantity", 2**63 - 1)))
    assert message == "line_items[0].current_quantity: 9223372036854775807 is more than 100000"


def test_the_maximum_quantity_itself_is_taken() -> None:
    order = generic(setting("lines.0.quantity", 100_000)).order
    assert order.lines[0].quantity == 100_000


@pytest.mark.parametrize("quantity", [2**31, 1e20, 100_001])
def test_quantities_a_database_column_cannot_hold_are_refused(quantity: float) -> None:
    message = refused(lambda: woocommerce(setting("line_items.0.quantity", quantity)))
    assert message.startswith("line_items[0].quantity: ") and message.endswith("than 100000")


@pytest.mark.parametrize(
    ("path", "value", "said"),
    [
        ("line_items.0.sku", "IPOD\x00", "line_items[0].sku must not contain NUL characters"),
        ("line_items.0.name", "\ud800", "line_items[0].name is not valid Unicode text"),
        ("line_items.0.name", "Café 🎁 \ud83d", "line_items[0].name is not valid Unicode"),
        ("email", "\udfff@x.example", "email is not valid Unicode text"),
        ("id", "9" * 101, "id is 101 characters long; at most 100 are kept"),
        ("order_number", 10**100, "order_number is 101 characters long; at most 100"),
        ("line_items.0.sku", "S" * 101, "line_items[0].sku is 101 characters long"),
        ("line_items.0.name", "N" * 501, "line_items[0].name is 501 characters long"),
        ("email", "e" * 321, "email is 321 characters long; at most 320 are kept"),
    ],
)
def test_text_no_database_can_store_is_refused_naming_the_field(
    path: str, value: Any, said: str
) -> None:
    assert refused(lambda: shopify(setting(path, value))).startswith(said)


def test_text_as_long_as_the_columns_is_taken() -> None:
    def longest(data: dict[str, Any]) -> None:
        data |= {"id": "I" * 100, "number": "N" * 100, "customer": "c" * 320}
        data["lines"][0] |= {"id": "L" * 100, "sku": "S" * 100, "name": "🎁" * 500}

    order = generic(longest).order
    assert (len(order.external_id), len(order.lines[0].name)) == (100, 500)


def test_a_delivery_id_header_longer_than_its_column_is_refused() -> None:
    message = refused(lambda: generic(lambda data: None, **{"x-delivery-id": "d" * 201}))
    assert message.startswith("the X-Delivery-Id header is 201 characters long")
    message = refused(lambda: shopify(lambda data: None, **{"x-shopify-webhook-id": "w" * 201}))
    assert message.startswith("the X-Shopify-Webhook-Id header is 201 characters long")


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("0001-01-01T00:00:00+01:00", "placed_at: 0001-01-01T00:00:00+01:00 is out of range"),
        ("9999-12-31T23:00:00-05:00", "placed_at: 9999-12-31T23:00:00-05:00 is out of range"),
        ("1999-12-31T23:59:59Z", "placed_at: 1999-12-31T23:59:59Z is before 2000-01-01"),
        ("9999-01-01T00:00:00Z", "placed_at: 9999-01-01T00:00:00Z is more than a day ahead"),
        ("2026-11-03T09:00:01Z", "placed_at: 2026-11-03T09:00:01Z is more than a day ahead"),
    ],
)
def test_timestamps_out_of_bounds_are_refused_naming_the_field(value: str, said: str) -> None:
    assert refused(lambda: generic(setting("placed_at", value))).startswith(said)


def test_a_timestamp_up_to_a_day_ahead_of_the_bots_clock_is_taken() -> None:
    order = generic(setting("updated_at", "2026-11-03T09:00:00Z")).order
    assert order.updated_at == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def test_a_woocommerce_modification_in_year_9999_is_refused_by_its_gmt_name() -> None:
    message = refused(lambda: woocommerce(setting("date_modified_gmt", "9999-01-01T00:00:00")))
    assert message.startswith("date_modified_gmt: 9999-01-01T00:00:00 is more than a day ahead")


def test_the_shopify_topic_header_does_not_cancel_an_order() -> None:
    delivery = shopify(lambda data: None, topic="orders/cancelled")
    assert (delivery.topic, delivery.order.cancelled) == ("orders/cancelled", False)


@pytest.mark.parametrize("value", [False, "", 0, "soon"])
def test_a_cancelled_at_that_is_no_time_is_refused_not_taken_as_a_cancellation(
    value: object,
) -> None:
    assert refused(lambda: shopify(setting("cancelled_at", value))).startswith("cancelled_at")


def test_an_order_of_more_than_a_thousand_lines_is_refused_naming_the_count() -> None:
    lines = [{"id": str(n), "sku": "MUG", "quantity": 1} for n in range(1_001)]
    assert refused(lambda: generic(setting("lines", lines))) == (
        "lines: 1,001 lines is more than 1,000"
    )


def test_a_shopify_order_without_line_items_is_refused() -> None:
    assert refused(lambda: shopify(setting("line_items", []))).startswith("line_items")


def test_cancelled_at_in_the_signed_body_cancels_a_shopify_order() -> None:
    stamp = "2025-04-02T11:40:00-05:00"
    delivery = shopify(setting("cancelled_at", stamp), topic="orders/updated")
    assert delivery.order.cancelled is True


@pytest.mark.parametrize(
    ("limit", "column"),
    [
        (fields.MAX_ID, OrderRow.external_id),
        (fields.MAX_ID, OrderRow.number),
        (fields.MAX_ID, OrderLineRow.line_ref),
        (fields.MAX_ID, OrderLineRow.sku),
        (fields.MAX_NAME, OrderLineRow.name),
        (fields.MAX_CUSTOMER, OrderRow.customer),
        (fields.MAX_DELIVERY_KEY, DeliveryRow.delivery_key),
    ],
)
def test_every_text_bound_fits_its_column(limit: int, column: Any) -> None:
    assert column.type.length >= limit
