"""Receiving and cancelling against real databases: FIFO fills, announcements, flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.config import parse_config
from bot.facade import Backorders
from domain.model import Catalog, Product, Supplier
from domain.purchase_orders import Actor
from storage.db import Database
from tests.support.builders import delivery, order

T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BOSS = Actor("U1", True)


class Clock:
    def __init__(self) -> None:
        self.now = T

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def desk(database: Database) -> Backorders:
    clock = Clock()
    desk = Backorders(database, clock, parse_config({"slack": {"channel": "C0PURCHASE"}}))
    desk.import_catalog(
        Catalog(
            (Supplier("Acme", None, 5, 0),),
            (
                Product("CHAIN", "Chain", "Acme", 0, 1, Decimal("10")),
                Product("LIGHT", "Light", "Acme", 0, 1, Decimal("5")),
            ),
        )
    )
    for minute, number, qty in ((0, "1001", 2), (1, "1002", 3), (2, "1003", 1)):
        desk.ingest(delivery(order(number, ("CHAIN", qty), placed=T + timedelta(minutes=minute))))
    return desk


def sent_po(desk: Backorders) -> int:
    po = desk.raise_po("Acme", "U1")
    return desk.approve_po(po.po_id, po.version, BOSS).po_id  # no email: sent at once


def chain_line(desk: Backorders, po_id: int) -> int:
    view = desk.po(po_id)
    assert view is not None
    return next(line.line_id for line in view.lines if line.sku == "CHAIN")  # type: ignore[misc]


def waiting(desk: Backorders, number: str) -> int:
    return desk.order(number)[0].waiting_units


def test_a_short_receipt_fills_the_oldest_orders_first_and_announces_exactly_those(
    desk: Backorders,
) -> None:
    po_id = sent_po(desk)
    result = desk.receive_po(po_id, {chain_line(desk, po_id): 4}, False, BOSS)
    assert result.went_to == {"CHAIN": [("1001", 2), ("1002", 2)]}
    assert [o.number for o in result.ready] == ["1001", "1002"]  # partial policy
    assert (waiting(desk, "1001"), waiting(desk, "1002"), waiting(desk, "1003")) == (0, 1, 1)
    assert desk.po(po_id).status == "sent"  # type: ignore[union-attr]  # 2 still to come


def test_a_second_receipt_continues_where_the_first_stopped(desk: Backorders) -> None:
    po_id = sent_po(desk)
    line = chain_line(desk, po_id)
    desk.receive_po(po_id, {line: 4}, False, BOSS)
    second = desk.receive_po(po_id, {line: 2}, False, BOSS)
    assert second.went_to == {"CHAIN": [("1002", 1), ("1003", 1)]}
    assert desk.po(po_id).status == "received"  # type: ignore[union-attr]


def test_over_receipt_goes_to_stock_with_a_warning(desk: Backorders) -> None:
    po_id = sent_po(desk)
    result = desk.receive_po(po_id, {chain_line(desk, po_id): 8}, False, BOSS)
    assert result.over == {"CHAIN": 2}
    assert desk.sku("CHAIN").on_hand == 2


def test_closing_the_rest_puts_the_unreceived_demand_back_in_the_buffer(
    desk: Backorders,
) -> None:
    po_id = sent_po(desk)
    desk.receive_po(po_id, {chain_line(desk, po_id): 2}, True, BOSS)
    assert desk.po(po_id).status == "received"  # type: ignore[union-attr]
    again = desk.raise_po("Acme", "U1")
    assert [(line.sku, line.quantity) for line in again.lines] == [("CHAIN", 4)]


def test_cancelling_a_waiting_line_shrinks_the_open_proposal(desk: Backorders) -> None:
    proposal = desk.raise_po("Acme", "U1")
    desk.cancel_from_slack("1002", "CHAIN", BOSS)
    [shrunk] = desk.open_pos()
    assert shrunk.po_id == proposal.po_id and shrunk.version == proposal.version + 1
    assert [(line.sku, line.quantity) for line in shrunk.lines] == [("CHAIN", 3)]


def test_a_cancellation_after_the_po_was_sent_is_flagged_not_lost(desk: Backorders) -> None:
    sent_po(desk)
    text = desk.cancel_from_slack("1002", None, BOSS)
    assert "3 CHAIN on PO-0001" in text and "go to stock on arrival" in text


def test_only_approvers_receive_or_cancel(desk: Backorders) -> None:
    po_id = sent_po(desk)
    with pytest.raises(Exception, match="Only approvers"):
        desk.receive_po(po_id, {chain_line(desk, po_id): 1}, False, Actor("U9", False))
    with pytest.raises(Exception, match="Only approvers"):
        desk.cancel_from_slack("1001", None, Actor("U9", False))


def test_the_digest_counts_the_units_received_in_the_week(desk: Backorders) -> None:
    po_id = sent_po(desk)
    desk.receive_po(po_id, {chain_line(desk, po_id): 4}, False, BOSS)
    with desk._reader() as uow:
        week = uow.digest.build(T - timedelta(days=1), T + timedelta(days=6), T)
    assert week.units_received == 4
