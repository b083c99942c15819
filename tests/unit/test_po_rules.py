"""Purchasing rules on plain values: drafts, adjustments, the early raise, the next deadline."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.config import WeeklyTime
from bot.scheduling.calendar import next_weekly
from domain.po_rules import (
    BufferState,
    DemandLine,
    SupplierTerms,
    adjusted_quantity,
    draft_lines,
    due_at_minimum,
)

LONDON = ZoneInfo("Europe/London")
FRI_15 = WeeklyTime("fri", time(15, 0))


def demand(product_id: int, uncovered: int, case_pack: int = 6) -> DemandLine:
    return DemandLine(product_id, f"SKU{product_id}", "Thing", uncovered, case_pack, Decimal("2"))


def test_a_draft_orders_whole_cases_and_skips_products_already_covered() -> None:
    lines = draft_lines([demand(1, 7), demand(2, 0), demand(3, -2)], {})
    assert [(pid, line.quantity, line.overage) for pid, line in lines] == [(1, 12, 5)]


def test_an_adjusted_line_keeps_its_quantity_when_demand_changes() -> None:
    [(_, line)] = draft_lines([demand(1, 20)], {1: 6})
    assert (line.quantity, line.demand, line.short) == (6, 20, 14)


def test_an_adjusted_quantity_rounds_up_to_cases_and_refuses_negatives() -> None:
    assert [adjusted_quantity(n, 6) for n in (0, 1, 6, 7)] == [0, 6, 6, 12]
    with pytest.raises(ValueError):
        adjusted_quantity(-1, 6)


def buffer(units: int, minimum: int, open_po: int | None = None) -> BufferState:
    terms = SupplierTerms(1, "Acme", None, 7, minimum)
    return BufferState(terms, units, open_po, "held" if open_po else None, None)


def test_the_early_raise_needs_a_minimum_reached_and_nothing_open_or_held() -> None:
    assert due_at_minimum(buffer(24, 24))
    assert not due_at_minimum(buffer(23, 24))
    assert not due_at_minimum(buffer(500, 0))  # 0: no early raise, only the deadline
    assert not due_at_minimum(buffer(30, 24, open_po=9))


def test_the_next_deadline_is_local_time_across_a_clock_change() -> None:
    # Clocks go back on Sunday 25 Oct 2026: Friday 30 Oct 15:00 London is 15:00 UTC, not 14:00.
    before = datetime(2026, 10, 23, 15, 0, tzinfo=UTC)
    assert next_weekly(before, FRI_15, LONDON) == datetime(2026, 10, 30, 15, 0, tzinfo=UTC)
    summer = datetime(2026, 10, 16, 12, 0, tzinfo=UTC)
    assert next_weekly(summer, FRI_15, LONDON) == datetime(2026, 10, 16, 14, 0, tzinfo=UTC)


def test_at_the_deadline_itself_the_next_one_is_a_week_later() -> None:
    at = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert next_weekly(at, FRI_15, LONDON) == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
