"""A PO whose email may have gone, and a PO goods arrive on: the aggregate's moves and its
state, on plain values; the view reads the same state as the aggregate."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.po_events import SendingUncertain, SentAgain, SentByHand, remembered
from domain.purchase_order import Actor, NotAllowed, PoState, PurchaseOrder, Stale
from domain.purchasing import PoStatus, SendingInDoubt
from tests.unit.test_purchase_order import BOSS, NOW, proposal

HANDED = NOW + timedelta(minutes=1)


def in_doubt() -> PurchaseOrder:
    """Approved as version 1; its email may have gone at HANDED: version 2."""
    po = proposal()
    po.approve(BOSS, 1, NOW, lambda: "PO-0001")
    [event] = po.sending_uncertain("orders@velo.test", HANDED, NOW + timedelta(minutes=5))
    assert isinstance(event, SendingUncertain) and po.version == 2
    return po


def test_an_email_that_may_have_gone_is_left_to_a_person_and_shown_on_the_view() -> None:
    po = in_doubt()
    assert (po.state, po.sent_at) == (PoState.APPROVED, None)
    assert po.view((0, None)).in_doubt == SendingInDoubt("orders@velo.test", HANDED)
    assert po.sending_uncertain("orders@velo.test", HANDED, NOW) == []  # told once


def test_mark_sent_records_sent_by_hand_with_before_and_after_and_only_once() -> None:
    po = in_doubt()
    [event] = po.mark_sent_by_hand(BOSS, 2, NOW + timedelta(hours=1))
    assert isinstance(event, SentByHand) and event.actor == BOSS.user
    assert event.before == {"state": "approved", "to": "orders@velo.test", "at": HANDED.isoformat()}
    assert event.after is not None and event.after["state"] == "sent"
    assert (po.state, po.in_doubt) == (PoState.SENT, None)
    assert po.expected_at == NOW + timedelta(hours=1, days=po.supplier.lead_time_days)
    with pytest.raises(Stale):  # the double click
        po.mark_sent_by_hand(BOSS, 2, NOW + timedelta(hours=1))
    with pytest.raises(Stale):
        po.send_again(BOSS, 2, NOW + timedelta(hours=1))


def test_send_again_counts_its_tries_and_a_second_click_changes_nothing() -> None:
    po = in_doubt()
    [event] = po.send_again(BOSS, 2, NOW)
    assert isinstance(event, SentAgain) and event.after == {"to": "orders@velo.test", "attempt": 1}
    assert (po.state, po.in_doubt, po.sent_again) == (PoState.APPROVED, None, 1)
    with pytest.raises(Stale):
        po.send_again(BOSS, 2, NOW)
    assert po.sent_again == 1


def test_only_approvers_on_the_version_they_saw_settle_a_doubt() -> None:
    po = in_doubt()
    with pytest.raises(NotAllowed):
        po.mark_sent_by_hand(Actor("U0CLERK", False), 2, NOW)
    with pytest.raises(NotAllowed):
        po.send_again(Actor("U0CLERK", False), 2, NOW)
    with pytest.raises(Stale):  # the card from before the doubt
        po.mark_sent_by_hand(BOSS, 1, NOW)
    assert (po.state, po.pending[-1].action) == (PoState.APPROVED, "send_uncertain")


def test_without_a_doubt_there_is_nothing_to_mark_sent() -> None:
    po = proposal()
    po.approve(BOSS, 1, NOW, lambda: "PO-0001")
    with pytest.raises(Stale):
        po.mark_sent_by_hand(BOSS, 1, NOW)


def test_the_history_remembers_a_doubt_until_someone_settles_it() -> None:
    doubt = ("send_uncertain", "bot", {"to": "a@b.test", "at": HANDED.isoformat()})
    assert remembered([doubt]).in_doubt == SendingInDoubt("a@b.test", HANDED)
    for settled in ("sent", "sent_by_hand", "sent_again"):
        assert remembered([doubt, (settled, "U0BOSS", None)]).in_doubt is None


def received(po: PurchaseOrder, units: dict[str, int], status: PoStatus) -> PurchaseOrder:
    po.items = [replace(i, received=units.get(i.sku, 0)) for i in po.items]
    po.status = status
    return po


@pytest.mark.parametrize(
    ("units", "status", "state"),
    [
        ({}, PoStatus.SENT, PoState.SENT),
        ({"BK-TUBE-700": 12}, PoStatus.SENT, PoState.PARTLY_RECEIVED),
        ({"BK-TUBE-700": 24, "BK-PADS-DISC": 6}, PoStatus.RECEIVED, PoState.RECEIVED),
        ({"BK-TUBE-700": 24, "BK-PADS-DISC": 2}, PoStatus.RECEIVED, PoState.CLOSED),
        ({"BK-TUBE-700": 12}, PoStatus.APPROVED, PoState.PARTLY_RECEIVED),  # goods prove it
    ],
)
def test_the_view_reads_the_state_the_aggregate_reads(
    units: dict[str, int], status: PoStatus, state: PoState
) -> None:
    po = received(proposal(), units, status)
    assert po.state is state and po.view((0, None)).state is state
