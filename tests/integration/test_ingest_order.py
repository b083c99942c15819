"""Ingesting orders against real SQLite and PostgreSQL: allocation, repeats, versions, cancels."""

from __future__ import annotations

import dataclasses

import pytest

from bot.config import parse_config
from bot.facade import Backorders
from domain.errors import NotFound
from domain.model import LineIssue
from domain.services import Outcome
from storage.db import Database
from tests.support.builders import T0, catalog, delivery, minutes, order


@pytest.fixture
def shop(database: Database) -> Backorders:
    backorders = Backorders(database, clock=lambda: T0 + minutes(30))
    backorders.import_catalog(catalog(("TUBE", 3), ("CHAIN", 0, 6), ("LIGHT", 10)))
    return backorders


def lines_of(shop: Backorders, number: str) -> list[tuple[str | None, int, int, int]]:
    [status] = shop.order(number)
    return [(line.sku, line.quantity, line.allocated, line.waiting) for line in status.lines]


def test_an_order_takes_stock_and_the_shortfall_becomes_a_backorder(shop: Backorders) -> None:
    result = shop.ingest(delivery(order("1001", ("TUBE", 5), ("LIGHT", 1))))
    assert result.outcome is Outcome.APPLIED and result.newly_waiting == 2
    assert lines_of(shop, "1001") == [("TUBE", 5, 3, 2), ("LIGHT", 1, 1, 0)]
    assert shop.sku("TUBE").on_hand == 0
    assert shop.sku("TUBE").waiting_units == 2


def test_the_same_delivery_ten_times_counts_once(shop: Backorders) -> None:
    repeated = delivery(order("1001", ("TUBE", 2)), key="shopify-webhook-1")
    outcomes = [shop.ingest(repeated).outcome for _ in range(10)]
    assert outcomes == [Outcome.APPLIED] + [Outcome.DUPLICATE] * 9
    assert shop.sku("TUBE").on_hand == 1
    assert lines_of(shop, "1001") == [("TUBE", 2, 2, 0)]


def test_a_repeat_of_an_ignored_test_order_stays_a_repeat_once_test_orders_are_kept(
    shop: Backorders, database: Database
) -> None:
    """The delivery is known from the first time it came, whatever was done with its order."""
    settings = {"slack": {"channel": "C0PURCHASE"}, "stores": {"test_orders": "ignore"}}
    ignoring = Backorders(database, shop.clock, parse_config(settings))
    test_order = dataclasses.replace(order("1001", ("TUBE", 2)), test=True)
    sent = delivery(test_order, key="shopify-webhook-7")
    assert ignoring.ingest(sent).outcome is Outcome.IGNORED
    assert shop.ingest(sent).outcome is Outcome.DUPLICATE  # now with test_orders: record
    with pytest.raises(NotFound):
        shop.order("1001")
    assert shop.ingest(delivery(test_order)).outcome is Outcome.APPLIED  # a new delivery is kept
    assert lines_of(shop, "1001") == [("TUBE", 2, 0, 0)]  # a test order's lines are not stock


def test_an_older_update_after_a_newer_one_changes_nothing(shop: Backorders) -> None:
    shop.ingest(delivery(order("1001", ("TUBE", 1))))
    shop.ingest(delivery(order("1001", ("TUBE", 4), updated=T0 + minutes(10))))
    late = shop.ingest(delivery(order("1001", ("TUBE", 2), updated=T0 + minutes(5))))
    assert late.outcome is Outcome.STALE
    assert lines_of(shop, "1001") == [("TUBE", 4, 3, 1)]


def test_a_newer_version_with_less_quantity_gives_back_waiting_then_stock(shop: Backorders) -> None:
    shop.ingest(delivery(order("1001", ("TUBE", 5))))
    shop.ingest(delivery(order("1001", ("TUBE", 2), updated=T0 + minutes(1))))
    assert lines_of(shop, "1001") == [("TUBE", 2, 2, 0)]
    assert shop.sku("TUBE").on_hand == 1


def test_a_cancelled_order_frees_its_stock_and_leaves_the_buffer(shop: Backorders) -> None:
    shop.ingest(delivery(order("1001", ("TUBE", 2), ("CHAIN", 4))))
    assert shop.supplier("Acme").waiting_units == 4
    cancel = order("1001", ("TUBE", 2), ("CHAIN", 4), updated=T0 + minutes(3), cancelled=True)
    assert shop.ingest(delivery(cancel)).cancelled
    assert shop.sku("TUBE").on_hand == 3
    assert shop.supplier("Acme").waiting_units == 0
    [status] = shop.order("1001")
    assert status.cancelled and status.waiting_units == 0


def test_stock_freed_by_a_cancellation_goes_to_the_oldest_waiting_line(shop: Backorders) -> None:
    shop.ingest(delivery(order("1001", ("TUBE", 3))))
    shop.ingest(delivery(order("1002", ("TUBE", 2), placed=T0 + minutes(1))))
    shop.ingest(delivery(order("1003", ("TUBE", 2), placed=T0 + minutes(2))))
    result = shop.cancel_order("1001")
    assert result.released_units == 3
    assert lines_of(shop, "1002") == [("TUBE", 2, 2, 0)]
    assert lines_of(shop, "1003") == [("TUBE", 2, 1, 1)]
    assert shop.sku("TUBE").on_hand == 0


def test_lines_with_no_sku_or_an_unknown_sku_are_stored_and_flagged(shop: Backorders) -> None:
    result = shop.ingest(delivery(order("1001", (None, 1), ("MYSTERY", 2), ("TUBE", 1))))
    assert [(u.sku, u.issue) for u in result.unplaced] == [
        (None, LineIssue.NO_SKU),
        ("MYSTERY", LineIssue.UNKNOWN_SKU),
    ]
    assert lines_of(shop, "1001")[:2] == [(None, 1, 0, 0), ("MYSTERY", 2, 0, 0)]
    assert shop.overview().unplaced_lines == 2


def test_the_buffer_rounds_to_case_packs_and_the_overview_is_oldest_first(shop: Backorders) -> None:
    shop.ingest(delivery(order("1001", ("CHAIN", 4))))
    shop.ingest(delivery(order("1002", ("CHAIN", 3), ("TUBE", 5), placed=T0 + minutes(1))))
    [chain, tube] = shop.supplier("acme").buffer
    assert (chain.sku, chain.waiting_units, chain.order_qty, chain.overage) == ("CHAIN", 7, 12, 5)
    assert (tube.sku, tube.waiting_units, tube.order_qty) == ("TUBE", 2, 2)
    [acme] = shop.overview().suppliers
    assert (acme.waiting_lines, acme.waiting_units, acme.orders) == (3, 9, 2)
    assert acme.oldest_placed_at == T0


def test_the_oldest_waiting_customers_are_listed_first_for_a_sku(shop: Backorders) -> None:
    shop.ingest(delivery(order("2", ("CHAIN", 1), placed=T0 + minutes(5))))
    shop.ingest(delivery(order("1", ("CHAIN", 2), placed=T0)))
    status = shop.sku("CHAIN")
    assert [w.order_number for w in status.oldest_waiting] == ["1", "2"]
    assert (status.waiting_lines, status.waiting_units) == (2, 3)


def test_reimporting_the_catalog_updates_in_place_and_new_stock_fills_waiting_lines(
    shop: Backorders,
) -> None:
    shop.ingest(delivery(order("1001", ("CHAIN", 4))))
    result = shop.import_catalog(catalog(("TUBE", 3), ("CHAIN", 10, 6), ("LIGHT", 10)))
    assert (result.products_added, result.products_updated) == (0, 3)
    assert lines_of(shop, "1001") == [("CHAIN", 4, 4, 0)]
    assert shop.sku("CHAIN").on_hand == 6


def test_questions_about_unknown_things_get_a_clear_answer(shop: Backorders) -> None:
    for ask, subject in ((shop.sku, "NOPE"), (shop.order, "9999"), (shop.supplier, "Nobody")):
        with pytest.raises(NotFound, match=subject):
            ask(subject)
