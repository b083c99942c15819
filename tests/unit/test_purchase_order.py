"""The PurchaseOrder aggregate on plain values: who may move it, when, and what a job may do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.po_events import Adjusted, DemandWaiting, FollowedDemand
from domain.po_rules import DemandLine, SupplierTerms
from domain.purchase_order import (
    Actor,
    EmptyPo,
    NotAllowed,
    PoState,
    PurchaseOrder,
    Stale,
    UnknownLines,
)
from domain.purchasing import PoItem, PoStatus

NOW = datetime(2026, 11, 27, 9, 5, tzinfo=UTC)
BOSS = Actor("U0BOSS", True)
TERMS = SupplierTerms(7, "Velo Parts Ltd", "orders@velo.test", 5, 0)


def demand(tubes: int, pads: int) -> list[DemandLine]:
    return [
        DemandLine(1, "BK-TUBE-700", "Inner tube", tubes, 12, Decimal("3.45")),
        DemandLine(2, "BK-PADS-DISC", "Disc brake pads", pads, 6, Decimal("7.15")),
    ]


def proposal() -> PurchaseOrder:
    """Version 1: 13 tubes (24, two cases) and 3 pads (6, a case) waiting."""
    items = [
        PoItem(1, "BK-TUBE-700", "Inner tube", 13, 24, 12, Decimal("3.45"), line_id=11),
        PoItem(2, "BK-PADS-DISC", "Disc brake pads", 3, 6, 6, Decimal("7.15"), line_id=12),
    ]
    return PurchaseOrder(1, TERMS, PoStatus.PROPOSED, 1, items, "raise", NOW)


def ordered(po: PurchaseOrder) -> dict[str, int]:
    return {line.sku: line.quantity for line in po.view((0, None)).lines}


def test_a_job_never_brings_back_a_line_a_person_dropped() -> None:
    po = proposal()
    [event] = po.adjust({12: 0}, "not needed yet", BOSS, 1, NOW)
    assert isinstance(event, Adjusted) and event.after == {"BK-TUBE-700": 24}
    assert po.follow_demand(demand(13, 3), NOW + timedelta(seconds=12)) == []
    assert (po.version, ordered(po)) == (2, {"BK-TUBE-700": 24})


def test_new_demand_after_an_adjustment_is_counted_once_never_merged() -> None:
    po = proposal()
    po.adjust({12: 0}, None, BOSS, 1, NOW)
    [event] = po.follow_demand(demand(13, 7), NOW)
    assert isinstance(event, DemandWaiting) and event.after == {"units": 4}
    assert po.follow_demand(demand(13, 7), NOW) == []
    assert (po.version, ordered(po), po.view((0, None)).waiting_since_adjustment) == (
        2,
        {"BK-TUBE-700": 24},
        4,
    )


def test_taking_in_adds_only_the_new_units_rounded_to_cases() -> None:
    po = proposal()
    po.adjust({12: 0}, None, BOSS, 1, NOW)
    po.take_in(demand(13, 7), BOSS, 2, NOW)
    assert (po.version, ordered(po)) == (3, {"BK-TUBE-700": 24, "BK-PADS-DISC": 6})


def test_the_bots_proposal_follows_demand_with_before_and_after() -> None:
    po = proposal()
    [event] = po.follow_demand(demand(25, 3), NOW)
    assert isinstance(event, FollowedDemand)
    assert (event.before, event.after) == (
        {"BK-TUBE-700": 24, "BK-PADS-DISC": 6},
        {"BK-TUBE-700": 36, "BK-PADS-DISC": 6},
    )
    assert event.note == "BK-TUBE-700 24 → 36" and po.version == 2


def test_a_po_without_lines_cannot_be_approved() -> None:
    po = proposal()
    po.adjust({11: 0, 12: 0}, None, BOSS, 1, NOW)
    with pytest.raises(EmptyPo):
        po.approve(BOSS, 2, NOW, lambda: "PO-0001")
    assert po.status is PoStatus.PROPOSED and po.number is None


def test_approve_checks_the_right_then_the_state_then_the_version() -> None:
    po = proposal()
    with pytest.raises(NotAllowed):
        po.approve(Actor("U0CLERK", False), 1, NOW, lambda: "PO-0001")
    with pytest.raises(Stale):
        po.approve(BOSS, 0, NOW, lambda: "PO-0001")
    po.approve(BOSS, 1, NOW, lambda: "PO-0001")
    with pytest.raises(Stale):
        po.approve(BOSS, 1, NOW, lambda: "PO-0002")
    assert (po.number, po.state) == ("PO-0001", PoState.APPROVED)


def test_approval_sends_exactly_the_lines_as_they_stand() -> None:
    po = proposal()
    po.adjust({12: 0}, None, BOSS, 1, NOW)
    po.approve(BOSS, 2, NOW, lambda: "PO-0001")
    po.mark_sent(NOW)
    assert ordered(po) == {"BK-TUBE-700": 24} and po.state is PoState.SENT
    assert po.mark_sent(NOW) == []  # a repeated delivery changes nothing


def test_adjusting_a_line_not_on_the_po_is_refused_and_nothing_changes() -> None:
    po = proposal()
    with pytest.raises(UnknownLines):
        po.adjust({999: 5}, None, BOSS, 1, NOW)
    assert po.version == 1 and po.pending == []


def test_an_adjustment_that_changes_nothing_records_no_version() -> None:
    po = proposal()
    assert po.adjust({11: 24}, None, BOSS, 1, NOW) == []
    assert po.version == 1


def test_a_held_proposal_is_left_alone_by_approve_and_released_by_the_deadline() -> None:
    po = proposal()
    po.hold(BOSS, 1, NOW + timedelta(days=3), NOW)
    with pytest.raises(Stale):
        po.approve(BOSS, 2, NOW, lambda: "PO-0001")
    po.release(NOW)
    assert (po.state, po.hold_until, po.version) == (PoState.PROPOSED, None, 3)
