"""A PO past its expected date is late: its lines are never expected on a day already gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.lead_times import LeadTimes, expected_date

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LEAD = LeadTimes(5.0, 5.0, None, 0)
RELEASE = NOW + timedelta(days=3)


def test_a_po_due_last_week_with_goods_still_to_come_is_expected_from_tomorrow() -> None:
    due = NOW - timedelta(days=13)
    eta = expected_date(0, 2, [("PO-0001", due, 5)], RELEASE, LEAD, now=NOW)
    assert (eta.po_number, eta.expected_at) == ("PO-0001", NOW + timedelta(days=1))


def test_a_po_still_on_time_keeps_its_date() -> None:
    due = NOW + timedelta(days=4)
    eta = expected_date(0, 2, [("PO-0001", due, 5)], RELEASE, LEAD, now=NOW)
    assert eta.expected_at == due


def test_a_line_no_po_covers_waits_for_the_next_release_and_the_lead_time() -> None:
    eta = expected_date(3, 2, [("PO-0001", NOW - timedelta(days=1), 4)], RELEASE, LEAD, now=NOW)
    assert (eta.po_number, eta.expected_at) == (None, RELEASE + timedelta(days=5))
