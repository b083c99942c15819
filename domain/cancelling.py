"""Cancelling an order, or its lines of one SKU, by number, for a person or a job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.allocation import plan_cancellation
from domain.errors import DomainError, NotFound
from domain.model import LineState, OrderState
from domain.order_refs import OrderRef, in_stores, named, shown
from domain.ports import UnitOfWork
from domain.services import save_plan
from domain.wording import did_you_mean, either


@dataclass(frozen=True)
class CancelResult:
    order_number: str
    released_units: int
    waiting_units_dropped: int
    source: str | None = None  # the order's store, when the person named it


def cancel_order(
    uow: UnitOfWork, number: str, now: datetime, sku: str | None = None
) -> CancelResult:
    """Cancel an order (or its lines of one SKU) by number: its stock goes to the next in
    line, its waiting units leave the buffer."""
    ref = OrderRef.parse(number)
    with uow:
        order_id, state = _one_order(uow, ref)
        if state.cancelled:
            raise DomainError(f"Order {shown(state.number)} is already cancelled.")
        stock = uow.stock.lock(line.sku for line in state.lines.values() if line.sku)
        state.lines = uow.orders.lock_lines(order_id)
        if sku is not None:
            state.lines = _lines_of_sku(state.lines, state.number, sku)
        released = sum(line.allocated for line in state.lines.values())
        dropped = sum(line.waiting for line in state.lines.values())
        plan = plan_cancellation(state, stock)
        if sku is not None:
            for line in plan.lines:
                line.quantity = 0  # the line is no longer ordered; the order goes on
                line.cancelled_at = line.cancelled_at or now  # and later versions keep it so
        save_plan(uow, order_id, state.placed_at, plan)
        if sku is None:
            uow.orders.mark_cancelled(order_id, now)
        uow.commit()
    return CancelResult(state.number, released, dropped, ref.source)


def _one_order(uow: UnitOfWork, ref: OrderRef) -> tuple[int, OrderState]:
    """The order a reference names, locked; refused when it could be orders of two stores."""
    locked = uow.orders.find_by_number(ref.number)
    sources = uow.queries.order_sources(ref.number)  # after the lock: it names every match
    matches = [(order_id, state) for order_id, state in locked if ref.matches(sources[order_id])]
    if not matches:
        elsewhere = [named(sources[i], ref.number) for i in sorted(sources)]
        there = f" There is {either(elsewhere)}." if elsewhere else ""
        raise NotFound(f"No order {ref} is known.{there}")
    stores = {sources[order_id] for order_id, _ in matches}
    if len(stores) > 1:
        raise DomainError(in_stores(ref.number, stores) + ".")
    if len(matches) > 1:
        store = stores.pop()
        raise DomainError(f"Order {ref} names {len(matches)} {store} orders: cancel it there.")
    return matches[0]


def _lines_of_sku(lines: dict[str, LineState], number: str, sku: str) -> dict[str, LineState]:
    """The order's lines of one SKU; a SKU not on the order gets the order's SKUs suggested."""
    kept = {ref: line for ref, line in lines.items() if line.sku == sku}
    if not kept:
        near = did_you_mean(sku, {line.sku for line in lines.values() if line.sku})
        raise NotFound(f"Order {shown(number)} has no line for SKU {sku}.{near}")
    if all(line.cancelled_at is not None for line in kept.values()):
        raise DomainError(f"{sku} on order {shown(number)} is already cancelled.")
    return kept
