"""Purchase order use cases on the fake unit of work: proposing, deciding, the deadline and
receiving, with no database. What is asserted is what the buyers see: the PO's lines, status and
version, the refusal they read, and whether the team was told (a notice queued)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.deadline import run_deadline
from domain.errors import DomainError
from domain.po_sending import approve_po
from domain.purchase_orders import (
    Actor,
    EmptyPo,
    PoChanged,
    PurchasingSetup,
    adjust_po,
    check_buffers,
    hold_po,
    raise_po,
)
from domain.purchasing import PoStatus, PurchaseOrderView
from domain.receiving import AlreadyReceived, receive_po
from tests.support.fake_uow import FakeUnitOfWork, purchasing_setup, words

T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
BOSS = Actor("U0BOSS", True)
VELO = "Velo Parts Ltd"


@pytest.fixture
def setup() -> PurchasingSetup:
    return purchasing_setup()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    """Velo Parts: 13 inner tubes (cases of 12) wait on #1001, 3 disc pads (cases of 6) on #1002."""
    uow = FakeUnitOfWork()
    velo = uow.supplier(VELO)
    uow.waiting("1001", uow.product("BK-TUBE-700", velo, case_pack=12), 13, T)
    uow.waiting("1002", uow.product("BK-PADS-DISC", velo, case_pack=6), 3, T + timedelta(hours=1))
    return uow


def ordered(po: PurchaseOrderView) -> dict[str, int]:
    return {line.sku: line.quantity for line in po.lines}


def line_ids(po: PurchaseOrderView) -> dict[str, int]:
    return {line.sku: line.line_id or 0 for line in po.lines}


def seen(uow: FakeUnitOfWork, po_id: int) -> PurchaseOrderView:
    """The PO as the next click would find it (committed)."""
    with uow:
        return uow.purchasing.view(po_id)


def more_waiting(uow: FakeUnitOfWork, sku: str, units: int, number: str = "1003") -> None:
    [pid] = [p.product_id for p in uow.committed.products.values() if p.sku == sku]
    uow.waiting(number, pid, units, T + timedelta(hours=2))


def test_raising_proposes_the_waiting_units_in_whole_cases_and_tells_the_team(
    uow: FakeUnitOfWork, setup: PurchasingSetup
) -> None:
    po = raise_po(uow, "velo parts ltd", "U0BOSS", T, setup)
    assert (po.status, po.version) == (PoStatus.PROPOSED, 1)
    assert ordered(po) == {"BK-PADS-DISC": 6, "BK-TUBE-700": 24}
    assert po.orders_served == 2 and po.overage == 14
    assert [n.key for n in uow.notices()] == [f"po:{po.po_id}"]
    assert seen(uow, po.po_id) == po  # committed as shown


def test_raising_a_supplier_nobody_knows_suggests_the_name_and_proposes_nothing(
    uow: FakeUnitOfWork, setup: PurchasingSetup
) -> None:
    with pytest.raises(DomainError, match=r"catalog\. Did you mean Velo Parts Ltd\?"):
        raise_po(uow, "Velo Part", "U0BOSS", T, setup)
    assert uow.committed.pos == {} and uow.notices() == []


def test_the_buffers_job_follows_demand_on_the_bots_own_proposal(
    uow: FakeUnitOfWork, setup: PurchasingSetup
) -> None:
    po = raise_po(uow, VELO, "U0BOSS", T, setup)
    more_waiting(uow, "BK-PADS-DISC", 4)
    check_buffers(uow, T + timedelta(minutes=5), setup)
    after = seen(uow, po.po_id)
    assert ordered(after) == {"BK-PADS-DISC": 12, "BK-TUBE-700": 24}
    assert after.version == 2


def test_the_buffers_job_never_changes_a_proposal_a_person_adjusted(
    uow: FakeUnitOfWork, setup: PurchasingSetup
) -> None:
    po = raise_po(uow, VELO, "U0BOSS", T, setup)
    pads = line_ids(po)["BK-PADS-DISC"]
    adjusted = adjust_po(uow, po.po_id, 1, {pads: 0}, "pads next week", BOSS, T, setup)
    more_waiting(uow, "BK-TUBE-700", 30)
    told = len(uow.notices())
    check_buffers(uow, T + timedelta(minutes=5), setup)
    after = seen(uow, po.po_id)
    assert ordered(after) == ordered(adjusted) == {"BK-TUBE-700": 24}
    assert after.version == adjusted.version == 2  # a click on version 2 still approves
    assert (after.adjusted_by, after.waiting_since_adjustment) == ("U0BOSS", 30)
    assert len(uow.notices()) == told + 1  # the card now says what waits beyond it


def test_the_buffers_job_proposes_early_once_a_supplier_minimum_is_reached(
    setup: PurchasingSetup,
) -> None:
    uow = FakeUnitOfWork()
    acme = uow.supplier("Acme", minimum=10)
    uow.waiting("1001", uow.product("AC-BOLT", acme), 9, T)
    assert check_buffers(uow, T, setup) == [] and uow.committed.pos == {}
    uow.waiting("1002", uow.product("AC-NUT", acme), 1, T)
    assert check_buffers(uow, T, setup) == ["proposed Acme"]
    [po] = uow.committed.pos.values()
    assert ordered(seen(uow, po.po_id)) == {"AC-BOLT": 9, "AC-NUT": 1}


def test_a_po_whose_lines_were_all_dropped_cannot_be_approved(
    uow: FakeUnitOfWork, setup: PurchasingSetup
) -> None:
    po = raise_po(uow, VELO, "U0BOSS", T, setup)
    dropped = {line_id: 0 for line_id in line_ids(po).values()}
    empty = adjust_po(uow, po.po_id, 1, dropped, None, BOSS, T, setup)
    told = len(uow.notices())
    with pytest.raises(EmptyPo, match="no lines: there is nothing to approve"):
        approve_po(uow, po.po_id, empty.version, BOSS, T, setup)
    after = seen(uow, po.po_id)
    assert (after.status, after.number, after.lines) == (PoStatus.PROPOSED, None, ())
    assert len(uow.notices()) == told


def test_approving_the_version_before_an_adjustment_is_refused_and_changes_nothing(
    uow: FakeUnitOfWork, setup: PurchasingSetup
) -> None:
    po = raise_po(uow, VELO, "U0BOSS", T, setup)
    tubes = line_ids(po)["BK-TUBE-700"]
    adjust_po(uow, po.po_id, 1, {tubes: 36}, None, Actor("U0OTHER", True), T, setup)
    told = len(uow.notices())
    with pytest.raises(PoChanged, match="changed since you saw it; nothing was changed") as stale:
        approve_po(uow, po.po_id, 1, BOSS, T, setup)
    assert (stale.value.po.version, ordered(stale.value.po)["BK-TUBE-700"]) == (2, 36)
    after = seen(uow, po.po_id)
    assert (after.status, after.number) == (PoStatus.PROPOSED, None)
    assert len(uow.notices()) == told


def test_a_second_approval_finds_it_already_approved_by_the_first_person(
    uow: FakeUnitOfWork, setup: PurchasingSetup
) -> None:
    po = raise_po(uow, VELO, "U0BOSS", T, setup)
    approved = approve_po(uow, po.po_id, 1, BOSS, T, setup)
    assert (approved.status, approved.number) == (PoStatus.SENT, "PO-0001")  # no email: by hand
    told = len(uow.notices())
    with pytest.raises(PoChanged, match="already sent; nothing was changed") as stale:
        approve_po(uow, po.po_id, 1, Actor("U0OTHER", True), T, setup)
    shown = stale.value.po  # what the second person is shown instead
    approvals = [d.actor for d in shown.decisions if d.action == "approved"]
    assert (shown.number, approvals) == ("PO-0001", ["U0BOSS"])
    assert len(uow.notices()) == told and uow.committed.po_counter == 1  # one number, ever


def test_a_held_proposal_waits_and_the_deadline_brings_it_back(
    uow: FakeUnitOfWork, setup: PurchasingSetup
) -> None:
    po = raise_po(uow, VELO, "U0BOSS", T, setup)
    held = hold_po(uow, po.po_id, 1, BOSS, T + timedelta(days=4), T, setup)
    assert (held.status, held.version, held.hold_until) == (PoStatus.HELD, 2, T + timedelta(days=4))
    with pytest.raises(PoChanged, match="already held"):
        approve_po(uow, po.po_id, 2, BOSS, T, setup)
    run_deadline(uow, "2026-W45", T + timedelta(days=4), setup, auto_approve=False)
    back = seen(uow, po.po_id)
    assert (back.status, back.version, back.hold_until) == (PoStatus.PROPOSED, 3, None)
    assert ordered(back) == ordered(po)
    assert approve_po(uow, po.po_id, 3, BOSS, T, setup).status == PoStatus.SENT


def test_the_deadline_proposes_once_a_week_however_often_it_runs(
    uow: FakeUnitOfWork, setup: PurchasingSetup
) -> None:
    friday = T + timedelta(days=4, hours=6)
    first = run_deadline(uow, "2026-W45", friday, setup, auto_approve=False)
    assert first.done == [f"{VELO}: proposed"]
    shop, told = uow.committed, len(uow.notices())
    more_waiting(uow, "BK-TUBE-700", 30)
    assert run_deadline(uow, "2026-W45", friday + timedelta(minutes=1), setup, False).done == []
    [po] = uow.committed.pos.values()
    assert ordered(seen(uow, po.po_id)) == {"BK-PADS-DISC": 6, "BK-TUBE-700": 24}
    assert len(uow.notices()) == told and uow.committed.periods == shop.periods


def test_the_deadline_with_auto_approve_sends_the_proposal_as_the_bot(
    uow: FakeUnitOfWork, setup: PurchasingSetup
) -> None:
    [outcome] = run_deadline(uow, "2026-W45", T, setup, auto_approve=True).done
    assert outcome == f"{VELO}: sent"
    [po] = uow.committed.pos.values()
    view = seen(uow, po.po_id)
    assert (view.number, view.status) == ("PO-0001", PoStatus.SENT)
    assert view.decisions[1].actor == "bot (on_deadline: auto_approve)"


def sent_po(uow: FakeUnitOfWork, setup: PurchasingSetup) -> PurchaseOrderView:
    po = raise_po(uow, VELO, "U0BOSS", T, setup)
    return approve_po(uow, po.po_id, 1, BOSS, T, setup)


def test_a_replayed_receipt_is_applied_once(uow: FakeUnitOfWork, setup: PurchasingSetup) -> None:
    po = sent_po(uow, setup)
    tubes = {line_ids(po)["BK-TUBE-700"]: 24}
    later = T + timedelta(days=5)
    first = receive_po(uow, po.po_id, tubes, False, BOSS, later, setup, submission="V1:h1")
    assert first.received == {"BK-TUBE-700": 24}
    assert [order.number for order in first.ready] == ["1001"]
    shop = uow.committed
    with pytest.raises(AlreadyReceived, match="recorded already; nothing changed"):
        receive_po(uow, po.po_id, tubes, False, BOSS, later, setup, submission="V1:h1")
    assert uow.committed == shop
    [line] = seen(uow, po.po_id).lines[1:]
    assert (line.sku, line.received) == ("BK-TUBE-700", 24)


def test_received_goods_fill_the_oldest_order_first_and_the_rest_go_to_stock(
    uow: FakeUnitOfWork, setup: PurchasingSetup
) -> None:
    more_waiting(uow, "BK-PADS-DISC", 4, number="1003")  # after #1002's 3
    po = sent_po(uow, setup)  # 12 pads: two cases
    pads = {line_ids(po)["BK-PADS-DISC"]: 12}
    result = receive_po(uow, po.po_id, pads, False, BOSS, T, setup, ship_policy="complete")
    assert result.went_to == {"BK-PADS-DISC": [("1002", 3), ("1003", 4)]}
    assert [order.number for order in result.ready] == ["1002", "1003"]
    [stock] = [p.on_hand for p in uow.committed.products.values() if p.sku == "BK-PADS-DISC"]
    assert stock == 5
    said = [words(n).get("text", "") for n in uow.notices()]
    assert any("Order #1002 is ready to ship: pack BK-PADS-DISC x3." in s for s in said)


def test_closing_the_rest_ends_the_po_and_the_missing_units_wait_again(
    uow: FakeUnitOfWork, setup: PurchasingSetup
) -> None:
    po = sent_po(uow, setup)
    tubes = {line_ids(po)["BK-TUBE-700"]: 10}
    receive_po(uow, po.po_id, tubes, True, BOSS, T + timedelta(days=5), setup)
    after = seen(uow, po.po_id)
    assert after.status == PoStatus.RECEIVED
    closed = after.decisions[-1]
    assert (closed.action, closed.actor) == ("closed", "U0BOSS")
    assert "the rest was cancelled: 6 BK-PADS-DISC, 14 BK-TUBE-700" in (closed.note or "")
    with uow:
        waiting = {d.sku: d.uncovered for d in uow.purchasing.demand(after_supplier(uow))}
    assert waiting == {"BK-PADS-DISC": 3, "BK-TUBE-700": 3}  # no longer on order


def test_a_partial_receipt_without_closing_keeps_the_po_open_for_the_rest(
    uow: FakeUnitOfWork, setup: PurchasingSetup
) -> None:
    po = sent_po(uow, setup)
    tubes = {line_ids(po)["BK-TUBE-700"]: 10}
    receive_po(uow, po.po_id, tubes, False, BOSS, T + timedelta(days=5), setup)
    after = seen(uow, po.po_id)
    assert after.status == PoStatus.SENT
    assert {line.sku: line.outstanding for line in after.lines} == {
        "BK-PADS-DISC": 6,
        "BK-TUBE-700": 14,
    }
    with uow:
        waiting = {d.sku: d.uncovered for d in uow.purchasing.demand(after_supplier(uow))}
    assert waiting == {"BK-PADS-DISC": -3, "BK-TUBE-700": -11}  # the PO covers what waits


def after_supplier(uow: FakeUnitOfWork) -> int:
    [sid] = uow.committed.suppliers
    return sid
