"""Store webhook deliveries, from the real fixture payloads, read into domain Deliveries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.model import Delivery, IncomingLine, OrderSource
from handlers.webhooks import (
    WebhookRejected,
    parse_generic,
    parse_shopify,
    parse_woocommerce,
    verify_base64_hmac,
    verify_hex_hmac,
)

SECRET = "test-webhook-secret"
Parser = Callable[[bytes, Mapping[str, str], str | None], Delivery | None]


def fixture(*parts: str) -> Path:
    """A file under tests/fixtures: real payloads the platforms publish, kept in the project."""
    return Path(__file__).resolve().parents[1] / "fixtures" / Path(*parts)


def example_headers(folder: str, name: str) -> dict[str, str]:
    """The fixture's synthetic delivery headers, with lower-case names as the parsers get them."""
    headers = json.loads(fixture(folder, "headers.example.json").read_text())[name]
    return {key.lower(): value for key, value in headers.items()}


def base64_signature(body: bytes) -> str:
    """Sign the way Shopify and WooCommerce do."""
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


def hex_signature(body: bytes) -> str:
    """Sign the way the generic endpoint expects."""
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def shopify(name: str, change: Callable[[dict[str, Any]], None] | None = None) -> Delivery:
    """Parse a Shopify fixture, optionally changed and re-signed."""
    body = fixture("shopify", name).read_bytes()
    headers = example_headers("shopify", name)
    if change is not None:
        data = json.loads(body)
        change(data)
        body = json.dumps(data).encode()
        headers["x-shopify-hmac-sha256"] = base64_signature(body)
    return parse_shopify(body, headers, SECRET)


def woocommerce(change: Callable[[dict[str, Any]], None]) -> Delivery | None:
    """Parse the WooCommerce fixture after changing it, re-signed."""
    data = json.loads(fixture("woocommerce", "order_created.wc-v3.json").read_bytes())
    change(data)
    body = json.dumps(data).encode()
    headers = example_headers("woocommerce", "order_created.wc-v3.json")
    headers["x-wc-webhook-signature"] = base64_signature(body)
    return parse_woocommerce(body, headers, SECRET)


def generic_order(**changes: Any) -> dict[str, Any]:
    """A valid generic order, with top-level fields replaced (None removes one)."""
    order: dict[str, Any] = {
        "id": "A-1001",
        "placed_at": "2026-11-27T10:00:00+01:00",
        "customer": "jane@example.com",
        "lines": [{"sku": "MUG-BLUE", "quantity": 2}, {"sku": None, "name": "Wrap", "quantity": 1}],
    }
    order.update(changes)
    return {key: value for key, value in order.items() if value is not None}


def generic(body: bytes, **headers: str) -> Delivery:
    """Parse a generic delivery signed correctly."""
    return parse_generic(body, {"x-signature": hex_signature(body), **headers}, SECRET)


def rejection(parse: Callable[[], object]) -> WebhookRejected:
    """The WebhookRejected a parse raises."""
    with pytest.raises(WebhookRejected) as caught:
        parse()
    return caught.value


# Shopify


def test_a_shopify_order_created_becomes_one_ipod_line_numbered_1002() -> None:
    body = fixture("shopify", "orders_create.json").read_bytes()
    delivery = parse_shopify(body, example_headers("shopify", "orders_create.json"), SECRET)

    assert delivery.source is OrderSource.SHOPIFY
    assert delivery.key == "b54557e4-0c1a-4d2b-9b1e-0000000000c1"
    assert delivery.topic == "orders/create"
    order = delivery.order
    assert (order.external_id, order.number, order.cancelled) == ("1073459983", "#1002", False)
    assert order.customer == "bob.norman@mail.example.com"
    assert order.lines == (
        IncomingLine("1071823195", "IPOD2009BLACK", "IPod Touch 8GB - Black", 1),
    )


def test_shopify_timestamps_with_an_offset_become_utc() -> None:
    order = shopify("orders_create.json").order

    assert order.placed_at == datetime(2025, 4, 2, 16, 31, 40, tzinfo=UTC)
    assert order.updated_at.utcoffset() is not None
    assert order.updated_at == order.placed_at


def test_a_shopify_cancellation_is_cancelled_and_counts_current_quantities() -> None:
    body = fixture("shopify", "orders_cancelled.json").read_bytes()
    delivery = parse_shopify(body, example_headers("shopify", "orders_cancelled.json"), SECRET)

    assert delivery.order.cancelled is True
    assert delivery.order.number == "#1001"
    assert [(line.sku, line.quantity) for line in delivery.order.lines] == [
        ("IPOD2008GREEN", 0),
        ("IPOD2008RED", 1),
        ("IPOD2008BLACK", 0),
    ]


def test_a_shopify_update_with_cancelled_at_set_is_a_cancellation() -> None:
    data = json.loads(fixture("shopify", "orders_create.json").read_bytes())
    data["cancelled_at"] = "2025-04-02T12:00:00-05:00"
    body = json.dumps(data).encode()
    headers = {"x-shopify-topic": "orders/updated", "x-shopify-hmac-sha256": base64_signature(body)}

    assert parse_shopify(body, headers, SECRET).order.cancelled is True


def test_a_shopify_custom_line_item_has_no_sku() -> None:
    def custom(data: dict[str, Any]) -> None:
        data["line_items"][0]["sku"] = None

    assert shopify("orders_create.json", custom).order.lines[0].sku is None


def test_a_shopify_quantity_is_used_when_current_quantity_is_absent() -> None:
    def older_api(data: dict[str, Any]) -> None:
        for item in data["line_items"]:
            del item["current_quantity"]

    lines = shopify("orders_cancelled.json", older_api).order.lines
    assert [line.quantity for line in lines] == [1, 1, 1]


def test_a_shopify_order_without_order_number_uses_its_name_as_shown() -> None:
    def unnumbered(data: dict[str, Any]) -> None:
        del data["order_number"]

    assert shopify("orders_create.json", unnumbered).order.number == "#1002"


def test_a_shopify_delivery_without_webhook_id_is_keyed_by_order_and_version() -> None:
    body = fixture("shopify", "orders_create.json").read_bytes()
    headers = example_headers("shopify", "orders_create.json")
    del headers["x-shopify-webhook-id"]

    delivery = parse_shopify(body, headers, SECRET)
    assert delivery.key == "1073459983@2025-04-02T16:31:40+00:00"


def test_a_shopify_topic_the_bot_does_not_handle_is_refused_by_name() -> None:
    body = fixture("shopify", "orders_create.json").read_bytes()
    headers = example_headers("shopify", "orders_create.json")
    headers["x-shopify-topic"] = "orders/paid"

    error = rejection(lambda: parse_shopify(body, headers, SECRET))
    assert (error.status, "orders/paid" in error.message) == (400, True)


def test_a_shopify_timestamp_without_offset_is_refused_naming_the_field() -> None:
    def naive(data: dict[str, Any]) -> None:
        data["updated_at"] = "2025-04-02T11:31:40"

    error = rejection(lambda: shopify("orders_create.json", naive))
    assert error.status == 400
    assert error.message.startswith("updated_at ")


def test_a_shopify_boolean_quantity_is_refused_naming_the_line() -> None:
    def boolean(data: dict[str, Any]) -> None:
        data["line_items"][1]["current_quantity"] = True

    error = rejection(lambda: shopify("orders_cancelled.json", boolean))
    assert (error.status, error.message) == (
        400,
        "line_items[1].current_quantity must be a whole number",
    )


# WooCommerce


def test_a_woocommerce_order_has_two_lines_and_utc_times_from_the_gmt_fields() -> None:
    name = "order_created.wc-v3.json"
    body = fixture("woocommerce", name).read_bytes()
    delivery = parse_woocommerce(body, example_headers("woocommerce", name), SECRET)

    assert delivery is not None
    assert (delivery.source, delivery.topic) == (OrderSource.WOOCOMMERCE, "order.created")
    order = delivery.order
    assert (order.external_id, order.number, order.cancelled) == ("727", "#727", False)
    assert order.customer == "john.doe@example.com"
    assert order.placed_at == datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)
    assert order.updated_at == datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)
    assert order.lines == (
        IncomingLine("315", None, "Woo Single #1", 2),
        IncomingLine("316", "Bar3", "Ship Your Idea \u2013 Color: Black, Size: M Test", 1),
    )


def test_a_woocommerce_delivery_is_keyed_by_its_body_as_one_second_shares_a_delivery_id() -> None:
    delivery = woocommerce(lambda data: None)
    cancelled = woocommerce(lambda data: data.update(status="cancelled"))

    assert delivery is not None and cancelled is not None
    assert delivery.key.startswith("727@2017-03-22T19:28:08+00:00:")
    assert cancelled.key != delivery.key


def test_the_unsigned_woocommerce_creation_ping_is_accepted_with_no_order() -> None:
    headers = {"content-type": "application/x-www-form-urlencoded"}

    assert parse_woocommerce(b"webhook_id=3", headers, SECRET) is None
    assert parse_woocommerce(b"webhook_id=3", headers, None) is None


def test_a_ping_shaped_body_carrying_a_signature_must_still_verify() -> None:
    headers = {"x-wc-webhook-signature": "bm9wZQ==", "x-wc-webhook-topic": "order.created"}

    assert rejection(lambda: parse_woocommerce(b"webhook_id=3", headers, SECRET)).status == 401


@pytest.mark.parametrize("status", ["cancelled", "refunded", "failed", "trash"])
def test_a_woocommerce_order_leaving_for_good_is_a_cancellation(status: str) -> None:
    delivery = woocommerce(lambda data: data.update(status=status))

    assert delivery is not None and delivery.order.cancelled is True


def test_a_woocommerce_gmt_time_with_a_trailing_z_is_accepted() -> None:
    delivery = woocommerce(lambda data: data.update(date_modified_gmt="2017-03-23T08:00:00Z"))

    assert delivery is not None
    assert delivery.order.updated_at == datetime(2017, 3, 23, 8, 0, tzinfo=UTC)


def test_a_woocommerce_order_without_modification_times_uses_its_creation_time() -> None:
    def unmodified(data: dict[str, Any]) -> None:
        del data["date_modified_gmt"], data["date_modified"]

    delivery = woocommerce(unmodified)
    assert delivery is not None
    assert delivery.order.updated_at == delivery.order.placed_at


def test_a_woocommerce_site_time_without_offset_is_not_guessed_to_be_utc() -> None:
    def no_gmt(data: dict[str, Any]) -> None:
        del data["date_created_gmt"]

    error = rejection(lambda: woocommerce(no_gmt))
    assert error.status == 400
    assert error.message.startswith("date_created ")


def test_a_woocommerce_topic_the_bot_does_not_handle_is_refused_by_name() -> None:
    name = "order_created.wc-v3.json"
    headers = example_headers("woocommerce", name) | {"x-wc-webhook-topic": "order.deleted"}
    body = fixture("woocommerce", name).read_bytes()

    error = rejection(lambda: parse_woocommerce(body, headers, SECRET))
    assert (error.status, "order.deleted" in error.message) == (400, True)


# Generic


def test_a_generic_order_is_read_with_its_defaults() -> None:
    delivery = generic(json.dumps(generic_order()).encode())

    assert (delivery.source, delivery.topic) == (OrderSource.GENERIC, "order")
    order = delivery.order
    assert (order.external_id, order.number, order.cancelled) == ("A-1001", "#A-1001", False)
    assert order.placed_at == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert order.updated_at == order.placed_at
    assert order.customer == "jane@example.com"
    assert order.lines == (
        IncomingLine("1", "MUG-BLUE", "MUG-BLUE", 2),
        IncomingLine("2", None, "Wrap", 1),
    )
    assert delivery.key == "A-1001@2026-11-27T09:00:00+00:00"


def test_a_generic_delivery_id_header_is_the_delivery_key() -> None:
    body = json.dumps(generic_order(status="cancelled", number=1001, id=42)).encode()
    delivery = generic(body, **{"x-delivery-id": "delivery-7"})

    assert delivery.key == "delivery-7"
    order = delivery.order
    assert (order.external_id, order.number, order.cancelled) == ("42", "#1001", True)


def with_line(**line: Any) -> dict[str, Any]:
    """A generic order whose single line has these fields."""
    return generic_order(lines=[{"sku": "A", **line}])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (generic_order(id=None), "id is required"),
        (with_line(quantity="two"), "lines[0].quantity must be a whole number"),
        (with_line(quantity=-1), "lines[0].quantity must not be negative"),
        (with_line(quantity=True), "lines[0].quantity must be a whole number"),
        (with_line(quantity=1.5), "lines[0].quantity must be a whole number"),
        (with_line(), "lines[0].quantity is required"),
        (generic_order(placed_at="2026-11-27T10:00:00"), "placed_at must include a UTC offset"),
        (generic_order(placed_at="next friday"), "placed_at must be an ISO 8601 timestamp"),
        (generic_order(lines=[]), "lines must not be empty"),
        (generic_order(lines=None), "lines is required"),
        (generic_order(lines=[{"id": "1", "quantity": 1}] * 2), "lines[1].id '1' repeats"),
        (generic_order(status="shipped"), "status must be"),
        ([generic_order()], "body must be a JSON object"),
    ],
)
def test_a_malformed_generic_order_is_refused_naming_the_field(body: object, message: str) -> None:
    error = rejection(lambda: generic(json.dumps(body).encode()))

    assert error.status == 400
    assert error.message.startswith(message)


def test_a_generic_body_that_is_not_json_is_refused() -> None:
    error = rejection(lambda: generic(b"id=A-1001&lines=1"))

    assert (error.status, error.message) == (400, "body is not valid JSON")


# Signatures and secrets, for every source


def signed_fixture(source: str) -> tuple[Parser, bytes, dict[str, str], str, str]:
    """A correctly signed delivery: parser, body, headers, signature header, secret variable."""
    if source == "shopify":
        headers = example_headers("shopify", "orders_create.json")
        body = fixture("shopify", "orders_create.json").read_bytes()
        return parse_shopify, body, headers, "x-shopify-hmac-sha256", "SHOPIFY_WEBHOOK_SECRET"
    if source == "woocommerce":
        headers = example_headers("woocommerce", "order_created.wc-v3.json")
        body = fixture("woocommerce", "order_created.wc-v3.json").read_bytes()
        return (
            parse_woocommerce,
            body,
            headers,
            "x-wc-webhook-signature",
            "WOOCOMMERCE_WEBHOOK_SECRET",
        )
    body = json.dumps(generic_order()).encode()
    headers = {"x-signature": hex_signature(body)}
    return parse_generic, body, headers, "x-signature", "ORDERS_WEBHOOK_SECRET"


SOURCES = ["shopify", "woocommerce", "orders"]


@pytest.mark.parametrize("source", SOURCES)
def test_a_delivery_signed_with_another_secret_is_refused(source: str) -> None:
    parse, body, headers, _, _ = signed_fixture(source)

    error = rejection(lambda: parse(body, headers, "another-secret"))
    assert (error.status, error.message) == (401, "invalid signature")


@pytest.mark.parametrize("source", SOURCES)
def test_a_changed_body_no_longer_matches_its_signature(source: str) -> None:
    parse, body, headers, _, _ = signed_fixture(source)

    assert rejection(lambda: parse(body.replace(b"1", b"2", 1), headers, SECRET)).status == 401


@pytest.mark.parametrize("source", SOURCES)
def test_a_delivery_without_a_signature_is_refused(source: str) -> None:
    parse, body, headers, signature_header, _ = signed_fixture(source)
    del headers[signature_header]

    error = rejection(lambda: parse(body, headers, SECRET))
    assert (error.status, error.message) == (401, "invalid signature")


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("secret", [None, ""])
def test_a_source_without_a_configured_secret_refuses_everything(
    source: str, secret: str | None
) -> None:
    parse, body, headers, _, variable = signed_fixture(source)

    error = rejection(lambda: parse(body, headers, secret))
    assert error.status == 401
    assert error.message == f"no webhook secret is configured for {source} (set {variable})"


@pytest.mark.parametrize("source", SOURCES)
def test_a_badly_signed_malformed_body_is_refused_as_unsigned_not_as_malformed(
    source: str,
) -> None:
    parse, _, headers, _, _ = signed_fixture(source)

    assert rejection(lambda: parse(b"{not json", headers, SECRET)).status == 401


@pytest.mark.parametrize(
    "signature", [None, "", "not base64 at all!", "é", "YWJj", "sha256=abc", "sha256=" + "0" * 64]
)
def test_garbled_signatures_do_not_verify_and_do_not_raise(signature: str | None) -> None:
    assert verify_base64_hmac(SECRET, b"{}", signature) is False
    assert verify_hex_hmac(SECRET, b"{}", signature) is False


def test_both_signature_forms_verify_the_raw_body() -> None:
    body = b'{"id": 1}\n'

    assert verify_base64_hmac(SECRET, body, base64_signature(body)) is True
    assert verify_hex_hmac(SECRET, body, hex_signature(body)) is True
    assert verify_hex_hmac(SECRET, body, hex_signature(body).upper().replace("SHA256", "sha256"))


def test_woocommerce_line_names_arrive_as_people_read_them() -> None:
    delivery = woocommerce(lambda order: None)
    assert delivery is not None
    assert delivery.order.lines[1].name == "Ship Your Idea \u2013 Color: Black, Size: M Test"


def test_a_shopify_name_keeps_the_shops_own_prefix_and_suffix() -> None:
    def prefixed(data: dict[str, Any]) -> None:
        data["name"] = "SO-1166"

    assert shopify("orders_create.json", prefixed).order.number == "SO-1166"
