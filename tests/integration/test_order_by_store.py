"""One order number in two stores: named with its store (`shopify:4242`) it can be shown and
cancelled alone; named bare, cancelling is refused with the names to use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.config import parse_config
from bot.facade import Backorders
from domain.errors import DomainError, NotFound
from domain.model import Catalog, OrderSource, Product, Supplier
from domain.purchase_orders import Actor
from handlers.blocks.queries import order_message, usage_text
from storage.db import Database
from tests.support.builders import delivery, order

T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BOSS = Actor("U1", True)
AMBIGUOUS = "Order 4242 is in two stores: say shopify:4242 or woocommerce:4242."


@pytest.fixture
def desk(database: Database) -> Backorders:
    """Shopify's #4242 waits for 2 chains, WooCommerce's #4242 for 3; the stock is 1 chain."""
    desk = Backorders(database, lambda: T, parse_config({"slack": {"channel": "C0PURCHASE"}}))
    desk.import_catalog(
        Catalog(
            (Supplier("Acme", None, 5, 0),),
            (
                Product("CHAIN", "Chain", "Acme", 1, 1, Decimal("10")),
                Product("LIGHT", "Light", "Acme", 0, 1, Decimal("5")),
            ),
        )
    )
    shopify = order("4242", ("CHAIN", 3), source=OrderSource.SHOPIFY)
    later = T + timedelta(minutes=1)
    woo = order("4242", ("CHAIN", 3), ("LIGHT", 1), placed=later, source=OrderSource.WOOCOMMERCE)
    desk.ingest(delivery(shopify))
    desk.ingest(delivery(woo))
    return desk


def waiting_by_store(desk: Backorders) -> dict[str, tuple[int, bool]]:
    """Each store's #4242: units waiting, and whether it is cancelled."""
    return {s.source: (s.waiting_units, s.cancelled) for s in desk.order("4242")}


BEFORE = {"shopify": (2, False), "woocommerce": (4, False)}


def test_a_bare_number_of_two_stores_is_not_cancelled_and_says_which_names_to_use(
    desk: Backorders,
) -> None:
    for typed in ("4242", "#4242"):
        with pytest.raises(DomainError) as refused:
            desk.cancel_from_slack(typed, None, BOSS)
        assert str(refused.value) == AMBIGUOUS
    with pytest.raises(DomainError, match="say shopify:4242 or woocommerce:4242"):
        desk.cancel_from_slack("4242", "CHAIN", BOSS)
    assert waiting_by_store(desk) == BEFORE


@pytest.mark.parametrize("typed", ["shopify:4242", "Shopify:#4242", "shopify: 4242"])
def test_a_number_named_with_its_store_cancels_that_stores_order_alone(
    desk: Backorders, typed: str
) -> None:
    said = desk.cancel_from_slack(typed, None, BOSS)
    assert said.startswith("Order #4242 (Shopify) is cancelled: 1 unit back to stock")
    # the freed chain goes to the next customer in line: WooCommerce's #4242
    assert waiting_by_store(desk) == {"shopify": (0, True), "woocommerce": (3, False)}


def test_one_sku_of_a_store_named_order_is_cancelled(desk: Backorders) -> None:
    said = desk.cancel_from_slack("woocommerce:4242", "LIGHT", BOSS)
    assert said.startswith("LIGHT on order #4242 (WooCommerce) is cancelled")
    assert waiting_by_store(desk) == {"shopify": (2, False), "woocommerce": (3, False)}
    assert desk.cancel_from_slack("woo:4242", "CHAIN", BOSS).startswith("CHAIN on order #4242")


def test_a_store_that_has_no_such_order_is_told_where_the_number_is(desk: Backorders) -> None:
    with pytest.raises(NotFound) as refused:
        desk.cancel_from_slack("orders:4242", None, BOSS)
    assert str(refused.value) == (
        "No order orders:4242 is known. There is shopify:4242 or woocommerce:4242."
    )
    with pytest.raises(NotFound, match=r"^No order shopify:9999 is known\.$"):
        desk.order("shopify:9999")
    assert waiting_by_store(desk) == BEFORE


def test_the_order_answer_shows_both_stores_orders_labelled_and_one_when_named(
    desk: Backorders,
) -> None:
    both = order_message(desk.order("4242"), T)
    assert both.text == AMBIGUOUS
    headers = [b["text"]["text"] for b in both.blocks if b["type"] == "header"]
    assert headers == ["Order #4242 — Shopify", "Order #4242 — WooCommerce"]
    [woo] = desk.order("woocommerce:4242")
    assert (woo.source, woo.waiting_units) == ("woocommerce", 4)
    one = order_message([woo], T)
    assert [b["text"]["text"] for b in one.blocks if b["type"] == "header"] == ["Order #4242"]


def test_a_number_only_one_store_uses_still_cancels_bare(desk: Backorders) -> None:
    desk.ingest(delivery(order("5150", ("LIGHT", 2), source=OrderSource.SHOPIFY)))
    assert desk.cancel_from_slack("5150", None, BOSS).startswith("Order #5150 is cancelled")


def test_help_says_how_to_name_an_orders_store() -> None:
    assert "shopify:1001" in usage_text()
