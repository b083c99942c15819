"""Sequences from "One purchase-order lifecycle" a buyer hit in the console, on both databases:
what "to order" counts, what the digest calls cancelled, and a line cancelled in Slack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.config import parse_config
from bot.facade import Backorders
from domain.errors import DomainError
from domain.model import Catalog, Product, Supplier
from domain.purchase_orders import Actor
from domain.views import CancelledSku
from handlers.blocks.queries import order_message, supplier_message
from handlers.blocks.text import to_text
from storage.db import Database
from storage.digest import SqlDigest
from storage.unit_of_work import SqlUnitOfWork
from tests.support.builders import delivery, order
from tests.support.notices import channel_posts

T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
BOSS = Actor("U1", True)


class Clock:
    def __init__(self) -> None:
        self.now = T

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(database: Database, clock: Clock) -> Backorders:
    """Velo Parts: one saddle on the shelf, no pads; nothing waits yet."""
    desk = Backorders(database, clock, parse_config({"slack": {"channel": "C0PURCHASE"}}))
    desk.import_catalog(
        Catalog(
            (Supplier("Velo Parts Ltd", None, 5, 0),),
            (
                Product("BK-SADDLE-CMF", "Comfort saddle", "Velo Parts Ltd", 1, 1, Decimal("20")),
                Product("BK-PADS-DISC", "Disc brake pads", "Velo Parts Ltd", 0, 1, Decimal("7")),
            ),
        )
    )
    return desk


def week_digest_cancelled(database: Database) -> tuple[CancelledSku, ...]:
    with SqlUnitOfWork(database, read_only=True) as uow:
        digest = SqlDigest(uow.tx).build(T, T + timedelta(days=7), T + timedelta(days=7))
    return digest.cancelled


def test_supplier_view_orders_nothing_for_units_already_on_a_sent_po(desk: Backorders) -> None:
    desk.ingest(delivery(order("1001", ("BK-PADS-DISC", 2), placed=T)))
    proposal = desk.raise_po("Velo Parts Ltd", "U1")
    desk.approve_po(proposal.po_id, proposal.version, BOSS)  # no email: sent at once
    status = desk.supplier("Velo Parts Ltd")
    shown = to_text(supplier_message(status, T, desk.deadline_text))
    assert "order 2 units" not in shown and "order 0 units" in shown
    assert "2 waiting, 2 on a PO in flight: nothing to order" in shown
    assert "the POs in flight cover every waiting unit" in shown


def test_supplier_view_orders_only_what_the_po_in_flight_does_not_cover(
    desk: Backorders,
) -> None:
    desk.ingest(delivery(order("1001", ("BK-PADS-DISC", 2), placed=T)))
    proposal = desk.raise_po("Velo Parts Ltd", "U1")
    desk.approve_po(proposal.po_id, proposal.version, BOSS)
    desk.ingest(delivery(order("1002", ("BK-PADS-DISC", 3), placed=T + timedelta(minutes=1))))
    status = desk.supplier("Velo Parts Ltd")
    shown = to_text(supplier_message(status, T, desk.deadline_text))
    assert "5 waiting, 2 on a PO in flight → order 3" in shown
    assert status.to_order == 3 and status.waiting_units == 5


def test_a_cancelled_sku_of_an_order_counts_in_the_digest_with_its_waiting_units(
    database: Database, desk: Backorders, clock: Clock
) -> None:
    # 2 saddles ordered, 1 from the shelf, 1 waits; the pads wait too
    desk.ingest(delivery(order("1001", ("BK-SADDLE-CMF", 2), ("BK-PADS-DISC", 1), placed=T)))
    clock.now = T + timedelta(days=1)
    desk.cancel_from_slack("1001", "BK-SADDLE-CMF", BOSS)
    assert week_digest_cancelled(database) == (CancelledSku("BK-SADDLE-CMF", 1, 1),)


def test_a_cancelled_order_counts_its_backordered_units_not_its_ordered_ones(
    database: Database, desk: Backorders, clock: Clock
) -> None:
    desk.ingest(delivery(order("1001", ("BK-SADDLE-CMF", 2), placed=T)))
    clock.now = T + timedelta(days=1)
    desk.cancel_from_slack("1001", None, BOSS)
    assert week_digest_cancelled(database) == (CancelledSku("BK-SADDLE-CMF", 1, 1),)


def test_a_line_cancelled_first_then_its_order_is_counted_once(
    database: Database, desk: Backorders, clock: Clock
) -> None:
    desk.ingest(delivery(order("1001", ("BK-SADDLE-CMF", 2), ("BK-PADS-DISC", 3), placed=T)))
    clock.now = T + timedelta(days=1)
    desk.cancel_from_slack("1001", "BK-SADDLE-CMF", BOSS)
    clock.now = T + timedelta(days=2)
    desk.cancel_from_slack("1001", None, BOSS)
    assert week_digest_cancelled(database) == (
        CancelledSku("BK-PADS-DISC", 1, 3),
        CancelledSku("BK-SADDLE-CMF", 1, 1),
    )


def test_a_line_cancelled_in_slack_stays_cancelled_whatever_the_store_sends_later(
    desk: Backorders, clock: Clock
) -> None:
    desk.ingest(delivery(order("1001", ("BK-PADS-DISC", 2), ("BK-SADDLE-CMF", 1), placed=T)))
    clock.now = T + timedelta(minutes=5)
    desk.cancel_from_slack("1001", "BK-PADS-DISC", BOSS)
    later = order(
        "1001",
        ("BK-PADS-DISC", 4),
        ("BK-SADDLE-CMF", 3),
        placed=T,
        updated=T + timedelta(minutes=10),
    )
    desk.ingest(delivery(later))
    [status] = desk.order("1001")
    pads, saddle = status.lines
    assert (pads.quantity, pads.allocated, pads.waiting) == (0, 0, 0)
    assert (saddle.quantity, saddle.waiting) == (3, 2)  # the store's other changes still apply
    assert desk.supplier("Velo Parts Ltd").to_order == 2  # the saddles; no pads
    shown = to_text(order_message([status], clock.now))
    assert "BK-PADS-DISC" in shown and "cancelled in Slack" in shown
    assert "the store's later changes to it are ignored" in shown


def test_cancelling_a_line_twice_says_it_is_already_cancelled(desk: Backorders) -> None:
    desk.ingest(delivery(order("1001", ("BK-PADS-DISC", 2), ("BK-SADDLE-CMF", 1), placed=T)))
    desk.cancel_from_slack("1001", "BK-PADS-DISC", BOSS)
    with pytest.raises(DomainError, match="BK-PADS-DISC on order #1001 is already cancelled"):
        desk.cancel_from_slack("1001", "BK-PADS-DISC", BOSS)


def test_a_catalog_reimport_that_fills_waiting_lines_announces_the_orders_that_can_ship(
    database: Database, desk: Backorders
) -> None:
    desk.ingest(delivery(order("1001", ("BK-PADS-DISC", 2), placed=T)))
    desk.ingest(delivery(order("1002", ("BK-PADS-DISC", 3), placed=T + timedelta(minutes=1))))
    assert "ready to ship" not in channel_posts(database)
    restocked = Catalog(
        (Supplier("Velo Parts Ltd", None, 5, 0),),
        (Product("BK-PADS-DISC", "Disc brake pads", "Velo Parts Ltd", 2, 1, Decimal("7")),),
    )
    result = desk.import_catalog(restocked)
    posts = channel_posts(database)
    assert result.ready_orders == 1
    assert "1 order ready to ship" in posts
    assert "Order #1001 is ready to ship: pack BK-PADS-DISC x2." in posts
    assert "#1002" not in posts  # still waiting for all 3
