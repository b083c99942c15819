"""Receiving: goods arrive, go to stock, then to waiting customers oldest first."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from domain.errors import DomainError, NotFound
from domain.fulfilment import (
    FilledOrder,
    ReadyNews,
    announce_ready,
    filled_orders,
    listed,
    ready_orders,
)
from domain.model import LineState
from domain.order_refs import shown
from domain.ports import UnitOfWork
from domain.purchase_orders import Actor, NotAllowed, PurchasingSetup, note, show
from domain.purchasing import PoStatus, PurchaseOrderView
from domain.services import fill_from_stock
from domain.wording import plural

RECEIVABLE = (PoStatus.APPROVED, PoStatus.SENT)


class AlreadyReceived(DomainError):
    """The same Receive submission again (a retried request, a double submit, another replica)."""


@dataclass(frozen=True)
class ReceiptResult:
    """What a receipt did: units in, units beyond the order, who got them, who can ship."""

    po: PurchaseOrderView
    received: dict[str, int]
    over: dict[str, int]
    went_to: dict[str, list[tuple[str, int]]]
    ready: tuple[FilledOrder, ...]


def receive_po(
    uow: UnitOfWork,
    po_id: int,
    quantities: dict[int, int],
    close_rest: bool,
    actor: Actor,
    now: datetime,
    setup: PurchasingSetup,
    ship_policy: str = "partial",
    all_arrived: bool = False,
    note: str = "",
    submission: str | None = None,
) -> ReceiptResult:
    """Record what arrived; it fills waiting lines of those SKUs across all orders, FIFO.

    `all_arrived` receives every line's outstanding units (more where more was typed)."""
    if not actor.is_approver:
        raise NotAllowed("Only approvers can receive purchase orders.")
    if any(units < 0 for units in quantities.values()):
        raise DomainError("A received quantity can't be below zero.")
    with uow:
        before = _receivable(uow, po_id)
        if submission and uow.purchasing.submitted(submission):  # under the PO's lock
            raise AlreadyReceived("This receipt was recorded already; nothing changed.")
        if all_arrived:  # read under the PO's lock: a receipt just before counts
            quantities = _everything(before, quantities)
        lead = (now - before.sent_at).total_seconds() / 86400 if before.sent_at else None
        per_product = uow.purchasing.receive(po_id, quantities, actor.user, now, lead, submission)
        uow.stock.lock_ids(per_product)
        uow.stock.take({pid: -units for pid, units in per_product.items()})
        filled = fill_from_stock(uow, per_product)
        result = _result(uow, before, quantities, filled, ship_policy)
        _close_if_done(uow, result, close_rest, actor.user, now, note)
        _announce(uow, result, now, setup, ship_policy)
        uow.commit()
    return result


def _receivable(uow: UnitOfWork, po_id: int) -> PurchaseOrderView:
    po = uow.purchasing.lock(po_id)
    if po is None:
        raise NotFound("That purchase order does not exist.")
    if po.status not in RECEIVABLE:
        raise DomainError(f"{po.number or 'This PO'} is {po.status}: there is nothing to receive.")
    return uow.purchasing.view(po_id)


def _everything(po: PurchaseOrderView, typed: dict[int, int]) -> dict[int, int]:
    """Each line's outstanding units, or what was typed when that is more."""
    received = dict(typed)
    for line in po.lines:
        if line.line_id:
            received[line.line_id] = max(typed.get(line.line_id, 0), line.outstanding)
    return received


def _result(
    uow: UnitOfWork,
    before: PurchaseOrderView,
    quantities: dict[int, int],
    filled: list[tuple[LineState, int]],
    ship_policy: str,
) -> ReceiptResult:
    received = {line.sku: quantities.get(line.line_id or 0, 0) for line in before.lines}
    over = {
        line.sku: received[line.sku] - line.outstanding
        for line in before.lines
        if received[line.sku] > line.outstanding
    }
    orders = filled_orders(uow, filled)
    went_to: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for line, units in filled:
        went_to[line.sku or ""].append((orders[line.order_id].number, units))  # type: ignore[index]
    ready = ready_orders(orders.values(), ship_policy)
    return ReceiptResult(
        before, {k: v for k, v in received.items() if v}, over, dict(went_to), ready
    )


def _close_if_done(
    uow: UnitOfWork, result: ReceiptResult, close_rest: bool, actor: str, now: datetime, note: str
) -> None:
    """Record the receipt on the PO's history (who, when, how many, what was cancelled, the
    note); fully received, or the rest cancelled, the PO is done and no longer covers demand."""
    po_id = result.po.po_id
    view = uow.purchasing.view(po_id)
    rest = {line.sku: line.outstanding for line in view.lines if line.outstanding}
    done = close_rest or not rest
    if done:
        uow.purchasing.update(po_id, status=PoStatus.RECEIVED.value)
    got = ", ".join(f"{units} {sku}" for sku, units in result.received.items()) or "nothing"
    what = f"{got} arrived"
    if close_rest and rest:
        what += "; the rest was cancelled: " + ", ".join(f"{n} {sku}" for sku, n in rest.items())
    what += f" · {note.strip()}" if note.strip() else ""
    action = "closed" if close_rest and rest else "received"
    uow.purchasing.record(po_id, action, actor, now, note=what)


def _announce(
    uow: UnitOfWork, result: ReceiptResult, now: datetime, setup: PurchasingSetup, policy: str
) -> None:
    """The PO's story says where the goods went; the channel hears, in one message, which
    orders can ship and what to pack."""
    parts = [f"{sku} x{units}" for sku, units in result.received.items()]
    text = f"📦 Received {', '.join(parts) or 'nothing'}."
    for sku, orders in result.went_to.items():
        text += f"\n{sku} went to " + listed([f"{shown(n)} ({units})" for n, units in orders])
    for sku, units in result.over.items():
        text += f"\n⚠️ {sku}: {plural(units, 'unit')} more than ordered went to stock."
    note(uow, result.po.po_id, text, now, setup)
    show(uow, result.po.po_id, now, setup)
    announce_ready(uow, result.ready, now, ReadyNews(setup.channel, policy))
