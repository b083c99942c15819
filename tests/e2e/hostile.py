"""Hostile store deliveries built from the real fixtures, and the books they must leave whole."""

from __future__ import annotations

import itertools
import json
import string
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import text

from tests.e2e.conftest import RunningBot
from tests.support.http import (
    Reply,
    base64_signature,
    fixture_bytes,
    generic_order,
    hex_signature,
    request,
)

DELETE = object()
DEEP = "__deep__"  # replaced after encoding by nesting json.dumps could not write
ORDER_IDS = itertools.count(1)


@dataclass(frozen=True)
class Endpoint:
    """One store's webhook: where it is, the fixture it starts from, how it is signed."""

    path: str
    base: bytes
    fields: tuple[str, ...]
    line_fields: tuple[str, ...]

    def headers(self, body: bytes, extra: dict[str, str]) -> dict[str, str]:
        """Correctly signed headers for `body`."""
        if self.path.endswith("shopify"):
            signed = {"X-Shopify-Hmac-Sha256": base64_signature(body)}
            return {"X-Shopify-Topic": "orders/create"} | extra | signed
        if self.path.endswith("woocommerce"):
            signed = {"X-WC-Webhook-Signature": base64_signature(body)}
            return {"X-WC-Webhook-Topic": "order.updated"} | extra | signed
        return extra | {"X-Signature": hex_signature(body)}


ENDPOINTS = (
    Endpoint(
        "/webhooks/shopify",
        fixture_bytes("shopify", "orders_create.json"),
        ("id", "order_number", "name", "email", "created_at", "updated_at", "cancelled_at"),
        ("id", "sku", "name", "title", "quantity", "current_quantity"),
    ),
    Endpoint(
        "/webhooks/woocommerce",
        fixture_bytes("woocommerce", "order_created.wc-v3.json"),
        ("id", "number", "status", "date_created_gmt", "date_modified_gmt", "billing"),
        ("id", "sku", "name", "quantity"),
    ),
    Endpoint(
        "/webhooks/orders",
        generic_order("G", ("TUBE", 2), ("IPOD2008BLACK", 3), (None, 1)),
        ("id", "number", "placed_at", "updated_at", "status", "customer"),
        ("id", "sku", "name", "quantity"),
    ),
)
LIST_KEY = {"/webhooks/orders": "lines"}

TIMESTAMPS = [
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "9999-01-01T00:00:00Z",
    "1999-12-31T23:59:59Z",
    "2026-11-02T08:59:00Z",
    "2026-11-02T08:59:00",
    "2026-11-04T00:00:00Z",
    "next friday",
]
ODD_TEXT = ["\x00", "\ud800", "a\udfffb", "x" * 101, "y" * 501, "z" * 321, "", " ", "cancelled"]
VALUES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**31, 2**63 - 1, 2**64, -1, 0, 100_000, 100_001, 10**60]),
    st.floats(),
    st.booleans(),
    st.none(),
    st.text(max_size=20),
    st.sampled_from(ODD_TEXT + TIMESTAMPS + [DEEP]),
    st.sampled_from([[], {}, [1, 2], {"a": {"b": [None]}}]),
)
HEADER_TEXT = st.text(string.ascii_letters + string.digits + "-_", max_size=250)


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[Endpoint, bytes, dict[str, str]]:
    """A fixture order, given a fresh id, with one to three fields replaced or removed."""
    endpoint = draw(st.sampled_from(ENDPOINTS))
    data = json.loads(endpoint.base)
    data["id"] = next(ORDER_IDS) + 10_000_000
    items = data[LIST_KEY.get(endpoint.path, "line_items")]
    for _ in range(draw(st.integers(1, 3))):
        value = draw(st.one_of(VALUES, st.just(DELETE)))
        if draw(st.booleans()) and items:
            target = items[draw(st.integers(0, len(items) - 1))]
            key = draw(st.sampled_from(endpoint.line_fields))
        else:
            target, key = data, draw(st.sampled_from((*endpoint.fields, "line_items", "lines")))
        if value is DELETE:
            target.pop(key, None)
        else:
            target[key] = value
    body = json.dumps(data).replace(json.dumps(DEEP), "[" * 50_000 + "]" * 50_000).encode()
    extra = draw(st.dictionaries(st.sampled_from(_ID_HEADERS), HEADER_TEXT, max_size=2))
    return endpoint, body, extra


_ID_HEADERS = ["X-Shopify-Webhook-Id", "X-Delivery-Id", "X-Shopify-Topic"]


def send(bot: RunningBot, endpoint: Endpoint, body: bytes, headers: dict[str, str]) -> Reply:
    return request(f"{bot.url}{endpoint.path}", body, headers)


def send_generic(bot: RunningBot, body: bytes, extra: dict[str, str] | None = None) -> Reply:
    return send(bot, ENDPOINTS[2], body, ENDPOINTS[2].headers(body, extra or {}))


def generic_body(order_id: str, *lines: tuple[str | None, int], **fields: Any) -> bytes:
    return generic_order(order_id, *lines, **fields)


COUNTS = ["orders", "order_lines", "deliveries", "summary_queue"]


def books(bot: RunningBot) -> dict[str, Any]:
    """Row counts and free stock: what a refused delivery must leave exactly as it was."""
    with bot.bot.database.reader.connect() as conn:
        counts = {
            table: conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() for table in COUNTS
        }
        stock = dict(conn.execute(text("SELECT sku, on_hand FROM products")).all())
    return counts | {"stock": stock}


CONSERVED = """
SELECT p.sku, p.on_hand + COALESCE(SUM(l.allocated_qty), 0)
FROM products p LEFT JOIN order_lines l ON l.product_id = p.id GROUP BY p.sku, p.on_hand"""
BROKEN_LINES = """
SELECT l.id FROM order_lines l JOIN orders o ON o.id = l.order_id
WHERE l.allocated_qty < 0 OR l.waiting_qty < 0 OR l.quantity < 0 OR l.quantity > 100000
   OR (l.product_id IS NULL AND l.allocated_qty + l.waiting_qty <> 0)
   OR (o.cancelled_at IS NOT NULL AND l.allocated_qty + l.waiting_qty <> 0)
   OR (o.cancelled_at IS NULL AND l.product_id IS NOT NULL
       AND l.allocated_qty + l.waiting_qty <> l.quantity)"""


def owned_units(bot: RunningBot) -> dict[str, int]:
    """Per SKU, the units on the shelf or promised to orders: no delivery may change these."""
    with bot.bot.database.reader.connect() as conn:
        return dict(conn.execute(text(CONSERVED)).all())


def check_books(bot: RunningBot, owned: dict[str, int]) -> None:
    """Free stock is never negative, every unit is on the shelf or promised, lines add up."""
    with bot.bot.database.reader.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM products WHERE on_hand < 0")).scalar() == 0
        assert dict(conn.execute(text(CONSERVED)).all()) == owned
        assert conn.execute(text(BROKEN_LINES)).all() == []
