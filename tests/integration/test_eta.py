"""Learned lead times and expected dates, against a hand-computed history."""

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
from tests.support.notices import channel_posts

MON = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BOSS = Actor("U1", True)


class Clock:
    def __init__(self) -> None:
        self.now = MON

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(database: Database, clock: Clock) -> Backorders:
    config = parse_config({"slack": {"channel": "C0PURCHASE"}, "timezone": "UTC"})
    desk = Backorders(database, clock, config)
    desk.import_catalog(
        Catalog(
            (Supplier("Acme", None, 5, 0),),
            (Product("CHAIN", "Chain", "Acme", 0, 1, Decimal("10")),),
        )
    )
    return desk


def cycle(desk: Backorders, clock: Clock, number: str, days: int) -> None:
    """An order, its PO sent now, and the goods received `days` later."""
    desk.ingest(delivery(order(number, ("CHAIN", 1), placed=clock.now)))
    po = desk.raise_po("Acme", "U1")
    po = desk.approve_po(po.po_id, po.version, BOSS)  # no email: sent now
    clock.now += timedelta(days=days)
    line = po.lines[0].line_id
    assert line is not None
    desk.receive_po(po.po_id, {line: 1}, False, BOSS)
    clock.now += timedelta(days=1)


def test_lead_times_are_learned_from_receipts_after_three(desk: Backorders, clock: Clock) -> None:
    assert not desk.lead_times("Acme").learned
    for n, days in enumerate((4, 6, 10)):
        cycle(desk, clock, f"10{n}", days)
    lead = desk.lead_times("Acme")
    # sent -> received: 4, 6, 10 days. p50 = 6; p90 (inclusive) = 6 + 0.8 * (10 - 6) = 9.2;
    # expected after the 5-day lead time: only the 4-day one was on time -> 1/3.
    assert (lead.p50_days, round(lead.p90_days, 2), round(lead.on_time_rate or 0, 3)) == (
        6.0,
        9.2,
        0.333,
    )


def test_a_waiting_line_expects_the_po_that_covers_it_then_the_next_release(
    desk: Backorders, clock: Clock
) -> None:
    desk.ingest(delivery(order("2001", ("CHAIN", 2), placed=MON)))
    po = desk.raise_po("Acme", "U1")
    desk.approve_po(po.po_id, po.version, BOSS)  # 2 units on PO-0001, expected MON + 5 days
    desk.ingest(delivery(order("2002", ("CHAIN", 1), placed=MON + timedelta(hours=1))))
    [covered] = desk.order_etas("2001").values()
    assert (covered.po_number, covered.expected_at) == ("PO-0001", MON + timedelta(days=5))
    [uncovered] = desk.order_etas("2002").values()
    # not on a PO: the next deadline (Fri 6 Nov 15:00 UTC) plus the configured 5 days
    assert uncovered.po_number is None
    assert uncovered.expected_at == datetime(2026, 11, 11, 15, 0, tzinfo=UTC)


def test_the_digest_lists_a_line_whose_expected_date_slipped(
    desk: Backorders, clock: Clock
) -> None:
    desk.ingest(delivery(order("3001", ("CHAIN", 2), placed=MON)))
    po = desk.raise_po("Acme", "U1")
    po = desk.approve_po(po.po_id, po.version, BOSS)  # covered: expected MON + 5 days
    assert desk.refresh_etas() == []  # first expected date remembered
    line = po.lines[0].line_id
    assert line is not None
    desk.receive_po(po.po_id, {line: 0}, True, BOSS)  # nothing came; the rest is cancelled
    [slip] = desk.refresh_etas()
    # now uncovered: the next deadline (Fri 6 Nov 15:00) + 5 days, not MON + 5 days
    assert (slip.order_number, slip.sku) == ("3001", "CHAIN")
    assert (slip.first_expected_at, slip.expected_at) == (
        MON + timedelta(days=5),
        datetime(2026, 11, 11, 15, 0, tzinfo=UTC),
    )
    desk.post_digest(scheduled=False)
    posted = channel_posts(desk.database, desk.clock())
    assert "Expected dates that slipped" in posted and "#3001" in posted
