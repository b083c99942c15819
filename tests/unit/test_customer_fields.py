"""Who the customer is and what the order promised, read from the stores' real payloads: the email
and first name notices use, a ship-by date the order states, and each refused with a 400 naming
the field when it cannot be right."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tests.unit.test_webhook_parsers import (
    generic,
    generic_order,
    rejection,
    shopify,
    woocommerce,
)


def test_a_shopify_order_names_its_customer_by_email_and_first_name() -> None:
    order = shopify("orders_create.json").order
    assert (order.customer_email, order.customer_first_name) == (
        "bob.norman@mail.example.com",
        "Bob",
    )
    assert order.promised_by is None


def test_a_shopify_order_without_an_order_email_takes_its_customers_and_the_billing_name() -> None:
    def change(data: dict[str, Any]) -> None:
        data["email"] = data["contact_email"] = ""
        data["customer"]["first_name"] = None
        data["billing_address"] = {"first_name": "Roberta"}

    order = shopify("orders_create.json", change).order
    assert (order.customer_email, order.customer_first_name) == (
        "bob.norman@mail.example.com",
        "Roberta",
    )


def test_a_shopify_ship_by_date_is_read_from_a_note_attribute_and_a_line_property() -> None:
    def change(data: dict[str, Any]) -> None:
        data["note_attributes"] = [{"name": "Gift note", "value": "x"}]
        data["note_attributes"].append({"name": "Ships by", "value": "2026-12-24"})
        data["line_items"][0]["properties"] = [{"name": "_ship_by", "value": "2026-12-20"}]

    order = shopify("orders_create.json", change).order
    assert order.promised_by == date(2026, 12, 24)
    assert order.lines[0].promised_by == date(2026, 12, 20)


def test_a_woocommerce_order_names_its_billing_email_first_name_and_ship_by_meta() -> None:
    def change(data: dict[str, Any]) -> None:
        data["meta_data"].append({"id": 1, "key": "_ship_by", "value": "2026-12-24"})
        data["line_items"][0]["meta_data"] = [{"id": 2, "key": "Ship by", "value": "2026-12-31"}]

    delivery = woocommerce(change)
    assert delivery is not None
    order = delivery.order
    assert (order.customer_email, order.customer_first_name) == ("john.doe@example.com", "John")
    assert order.promised_by == date(2026, 12, 24)
    assert order.lines[0].promised_by == date(2026, 12, 31)


def test_a_generic_order_states_email_first_name_and_promises_per_order_and_line() -> None:
    lines = [
        {"sku": "MUG", "quantity": 1, "promised_by": "2026-12-20"},
        {"sku": "CUP", "quantity": 1},
    ]
    body = generic_order(
        customer_email="jane@example.com",
        customer_first_name="Jane",
        promised_by="2026-12-24",
        lines=lines,
    )
    order = generic(json.dumps(body).encode()).order
    assert (order.customer_email, order.customer_first_name) == ("jane@example.com", "Jane")
    assert order.promised_by == date(2026, 12, 24)
    assert [line.promised_by for line in order.lines] == [date(2026, 12, 20), None]


def test_a_generic_order_without_an_email_has_nobody_to_notify() -> None:
    order = generic(json.dumps(generic_order()).encode()).order
    assert (order.customer_email, order.customer_first_name, order.promised_by) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"customer_email": "x" * 250 + "@a.bc"}, "customer_email is 255 characters long"),
        ({"customer_email": "jane at example.com"}, "customer_email is not an email address"),
        ({"customer_first_name": "J" * 101}, "customer_first_name is 101 characters long"),
        ({"promised_by": "24/12/2026"}, "promised_by must be a date such as 2026-12-24"),
        ({"promised_by": "2026-02-30"}, "promised_by is not a real date"),
        ({"promised_by": "2092-12-24"}, "promised_by must lie between 2000 and three years"),
        ({"promised_by": 20261224}, "promised_by must be a date"),
    ],
)
def test_a_generic_order_with_an_impossible_customer_field_is_refused_naming_it(
    changes: dict[str, Any], named: str
) -> None:
    body = json.dumps(generic_order(**changes)).encode()
    refused = rejection(lambda: generic(body))
    assert refused.status == 400
    assert named in refused.message


def test_a_shopify_line_with_an_unreadable_ship_by_is_refused_naming_the_property() -> None:
    def change(data: dict[str, Any]) -> None:
        data["line_items"][0]["properties"] = [{"name": "Ships by", "value": "soon"}]

    refused = rejection(lambda: shopify("orders_create.json", change))
    assert "line_items[0].properties[0].value must be a date" in refused.message
