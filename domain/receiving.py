"""Receiving: goods arrive, go to stock, then to waiting customers oldest first."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from domain.errors import DomainError, NotFound
from domain.model import LineState
from domain.notifications import SLACK_POST, Outbound
from domain.ports import UnitOfWork
from domain.purchase_orders import Actor, NotAllowed, PurchasingSetup, note, show
from domain.purchasing import PoStatus, PurchaseOrderView
from domain.services import fill_from_stock
from domain.views import OrderStatus
from domain.wording import plural

RECEIVABLE = (PoStatus.APPROVED, PoStatus.SENT)


@dataclass(frozen=True)
class ReceiptResult:
    """What a receipt did: units in, units beyond the order, who got them, who can ship."""

    po: PurchaseOrderView
    received: dict[str, int]
    over: dict[str, int]
    went_to: dict[str, list[tuple[str, int]]]
    ready: tuple[OrderStatus, ...]


def receive_po(
    uow: UnitOfWork,
    po_id: int,
    quantities: dict[int, int],
    close_rest: bool,
    actor: Actor,
    now: datetime,
    setup: PurchasingSetup,
    ship_policy: str = "partial",
) -> ReceiptResult:
    """Record what arrived; it fills waiting lines of those SKUs across all orders, FIFO."""
    if not actor.is_approver:
        raise NotAllowed("Only approvers can receive purchase orders.")
    if any(units < 0 for units in quantities.values()):
        raise DomainError("A received quantity can't be below zero.")
    with uow:
        before = _receivable(uow, po_id)
        lead = (now - before.sent_at).total_seconds() / 86400 if before.sent_at else None
        per_product = uow.purchasing.receive(po_id, quantities, actor.user, now, lead)
        uow.stock.lock_ids(per_product)
        uow.stock.take({pid: -units for pid, units in per_product.items()})
        filled = fill_from_stock(uow, per_product)
        result = _result(uow, before, quantities, filled, ship_policy)
        _close_if_done(uow, po_id, close_rest, actor.user, now)
        _announce(uow, result, now, setup)
        uow.commit()
    return result


def _receivable(uow: UnitOfWork, po_id: int) -> PurchaseOrderView:
    po = uow.purchasing.lock(po_id)
    if po is None:
        raise NotFound("That purchase order does not exist.")
    if po.status not in RECEIVABLE:
        raise DomainError(f"{po.number or 'This PO'} is {po.status}: there is nothing to receive.")
    return uow.purchasing.view(po_id)


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
    orders = uow.queries.orders_by_ids(
        sorted({line.order_id for line, _ in filled if line.order_id})
    )
    went_to: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for line, units in filled:
        went_to[line.sku or ""].append((orders[line.order_id].number, units))  # type: ignore[index]
    ready = tuple(order for order in orders.values() if _ready(order, ship_policy))
    return ReceiptResult(
        before, {k: v for k, v in received.items() if v}, over, dict(went_to), ready
    )


def _ready(order: OrderStatus, policy: str) -> bool:
    """`complete`: nothing of the order waits any more; `partial`: a line of it was filled."""
    if order.cancelled:
        return False
    return order.waiting_units == 0 if policy == "complete" else True


def _close_if_done(uow: UnitOfWork, po_id: int, close_rest: bool, user: str, now: datetime) -> None:
    """Fully received, or the rest cancelled: the PO is done and no longer covers demand."""
    view = uow.purchasing.view(po_id)
    if close_rest or all(line.outstanding == 0 for line in view.lines):
        uow.purchasing.update(po_id, status=PoStatus.RECEIVED.value)
        action = "closed" if any(line.outstanding for line in view.lines) else "received"
        uow.purchasing.record(po_id, action, user, now)


MAX_LISTED = 30  # orders named in one message; the rest are counted


def _announce(
    uow: UnitOfWork, result: ReceiptResult, now: datetime, setup: PurchasingSetup
) -> None:
    """The PO's thread says where the goods went; the channel hears, in one message, which
    orders can ship and what to pack."""
    parts = [f"{sku} x{units}" for sku, units in result.received.items()]
    text = f"📦 Received {', '.join(parts) or 'nothing'}."
    for sku, orders in result.went_to.items():
        text += f"\n{sku} went to " + _listed([f"#{n} ({units})" for n, units in orders])
    for sku, units in result.over.items():
        text += f"\n⚠️ {sku}: {plural(units, 'unit')} more than ordered went to stock."
    note(uow, result.po.po_id, text, now, setup)
    show(uow, result.po.po_id, now, setup)
    if result.ready:
        lines = [_to_pack(order) for order in result.ready]
        heading = f"🚚 {plural(len(result.ready), 'order')} ready to ship:"
        message = setup.present.note(heading + "\n" + _listed(lines, "\n"))
        uow.outbox.add(Outbound(SLACK_POST, setup.channel, message), now)


def _to_pack(order: OrderStatus) -> str:
    pack = ", ".join(
        f"{line.sku or line.name} x{line.allocated}" for line in order.lines if line.allocated
    )
    return f"Order #{order.number} is ready to ship: pack {pack}."


def _listed(items: list[str], sep: str = ", ") -> str:
    shown = sep.join(items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    return shown + (f"{sep}…and {more} more" if more > 0 else "")
