"""Use cases: each takes a unit of work, applies the rules, commits once, returns plain data."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from domain.allocation import OrderPlan, fill_waiting, is_stale, plan_order
from domain.errors import NotFound
from domain.fulfilment import FilledOrder, ReadyNews, announce_ready, filled_orders, ready_orders
from domain.model import (
    Catalog,
    Delivery,
    ForTestOrders,
    IncomingOrder,
    LineIssue,
    LineState,
    OrderState,
)
from domain.notifications import EXPORT_WORKBOOK, Notice
from domain.order_refs import OrderRef
from domain.ports import UnitOfWork
from domain.promises import DEFAULT_PROMISE_DAYS, give_promises, promise_new_lines
from domain.views import (
    BackorderSummary,
    NewBackorder,
    OrderStatus,
    Overview,
    SkuStatus,
    SupplierStatus,
)
from domain.views import UnplacedLine as UnplacedInSummary
from domain.wording import did_you_mean, same_name


class Outcome(enum.StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    STALE = "stale"
    IGNORED = "ignored"  # a test order, with `stores.test_orders: ignore`


@dataclass(frozen=True)
class UnplacedLine:
    """An order line the bot could not place against the catalog, kept for the team to see."""

    line_ref: str
    sku: str | None
    name: str
    quantity: int
    issue: LineIssue


@dataclass(frozen=True)
class IngestResult:
    """What one delivery did."""

    outcome: Outcome
    order_number: str
    created: bool = False
    cancelled: bool = False
    newly_waiting: int = 0
    unplaced: tuple[UnplacedLine, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    suppliers: int
    products_added: int
    products_updated: int
    ready_orders: int = 0  # orders the new stock lets ship (announced when news is given)


def import_catalog(
    uow: UnitOfWork, catalog: Catalog, now: datetime | None = None, news: ReadyNews | None = None
) -> ImportResult:
    """Insert or update every supplier and product of a checked catalog, in one transaction;
    new stock fills waiting lines, and the orders that can now ship are announced."""
    with uow:
        added, updated = uow.catalog.upsert(catalog)
        filled = fill_from_stock(uow, uow.catalog.product_ids_with_stock())
        ready: tuple[FilledOrder, ...] = ()
        if news is not None and now is not None and filled:
            ready = ready_orders(filled_orders(uow, filled).values(), news.ship_policy)
            announce_ready(uow, ready, now, news)
        uow.commit()
    return ImportResult(len(catalog.suppliers), added, updated, len(ready))


def ingest_order(
    uow: UnitOfWork,
    delivery: Delivery,
    received_at: datetime,
    test_orders: ForTestOrders = ForTestOrders.RECORD,
    promise_days: int = DEFAULT_PROMISE_DAYS,
) -> IngestResult:
    """Record a delivery and apply its order version; repeats and old versions change nothing,
    and a store's test order is kept apart (or, if so configured, only answered)."""
    order = delivery.order  # its number is the name the shop shows, '#' and all
    with uow:
        if order.test and test_orders is ForTestOrders.IGNORE:
            return _answer_test_order(uow, delivery, received_at)
        claimed = uow.orders.claim_delivered(delivery, received_at)
        if claimed is None:
            return IngestResult(Outcome.DUPLICATE, order.number)
        delivery_id, order_id, existing = claimed
        # A cancelled order stays cancelled (by a person or by the store): later versions of it
        # change nothing, so its stock, once given to others, is never taken back.
        if existing is not None and (existing.cancelled or is_stale(order, existing)):
            uow.deliveries.set_outcome(delivery_id, Outcome.STALE)
            uow.commit()
            return IngestResult(Outcome.STALE, order.number)
        result = _apply_version(uow, order_id, order, existing, received_at, promise_days)
        if result.newly_waiting and not result.created:  # a new order's were given with it
            give_promises(uow, order_id, order, promise_days)
        uow.commit()
    return result


def _answer_test_order(uow: UnitOfWork, delivery: Delivery, received_at: datetime) -> IngestResult:
    """A store's test order with `stores.test_orders: ignore`: its delivery is recorded (so a
    repeat is still a duplicate), the order is not kept."""
    delivery_id = uow.deliveries.record(delivery, received_at)
    if delivery_id is None:
        return IngestResult(Outcome.DUPLICATE, delivery.order.number)
    uow.deliveries.set_outcome(delivery_id, Outcome.IGNORED)
    uow.commit()
    return IngestResult(Outcome.IGNORED, delivery.order.number)


def _apply_version(
    uow: UnitOfWork,
    order_id: int,
    order: IncomingOrder,
    state: OrderState | None,
    now: datetime,
    promise_days: int,
) -> IngestResult:
    skus = {line.sku for line in order.lines if line.sku}
    if state is not None:
        skus |= {line.sku for line in state.lines.values() if line.sku}
        uow.orders.save_version(order_id, order)
    stock = uow.stock.lock(skus)
    if state is not None:
        state.lines = uow.orders.lock_lines(order_id)
    waiting_before = {ref: line.waiting for ref, line in state.lines.items()} if state else {}
    plan = plan_order(order, state, stock)
    if state is None:
        promise_new_lines(plan.lines, order, stock, promise_days)
    save_plan(uow, order_id, state.placed_at if state else order.placed_at, plan)
    news = _news(plan.lines, waiting_before)
    if news:
        uow.summaries.add(order_id, news, now)
    before, after = sum(waiting_before.values()), sum(line.waiting for line in plan.lines)
    return IngestResult(
        Outcome.APPLIED,
        order.number,
        created=state is None,
        cancelled=order.cancelled,
        newly_waiting=max(after - before, 0),
        unplaced=_unplaced(plan.lines),
    )


def _news(lines: Iterable[LineState], waiting_before: dict[str, int]) -> list[tuple[str, int]]:
    """Lines the team should hear about: newly waiting units, and lines nobody can place."""
    news = []
    for line in lines:
        if line.issue is not None and line.line_id is None and line.quantity > 0:
            news.append((line.line_ref, line.quantity))
        elif line.waiting > waiting_before.get(line.line_ref, 0):
            news.append((line.line_ref, line.waiting - waiting_before.get(line.line_ref, 0)))
    return news


def save_plan(uow: UnitOfWork, order_id: int, placed_at: datetime, plan: OrderPlan) -> None:
    uow.orders.save_lines(order_id, placed_at, plan.lines, taking=plan.stock_taken)
    fill_from_stock(uow, plan.returned_product_ids)


def fill_from_stock(uow: UnitOfWork, product_ids: Iterable[int]) -> list[tuple[LineState, int]]:
    """Give free stock of these products to their waiting lines, oldest first."""
    filled: list[tuple[LineState, int]] = []
    for level in uow.stock.lock_ids(product_ids).values():
        if level.on_hand <= 0:
            continue
        waiting = uow.orders.waiting_fifo(level.product_id, limit=level.on_hand)
        fills = fill_waiting(level.on_hand, waiting)
        if not fills:
            continue
        uow.orders.save_fills(line for line, _ in fills)
        uow.stock.take({level.product_id: sum(units for _, units in fills)})
        filled.extend(fills)
    return filled


def _unplaced(lines: Iterable[LineState]) -> tuple[UnplacedLine, ...]:
    return tuple(
        UnplacedLine(line.line_ref, line.sku, line.name, line.quantity, line.issue)
        for line in lines
        if line.issue is not None and line.quantity > 0
    )


def summary_facts(summary: BackorderSummary) -> dict[str, Any]:
    """A summary as plain values: what was taken from the queue cannot be read again."""
    return {
        "new_backorders": [
            _fields(line) | {"placed_at": line.placed_at.isoformat()}
            for line in summary.new_backorders
        ],
        "unplaced": [_fields(line) | {"issue": str(line.issue)} for line in summary.unplaced],
    }


def _fields(line: NewBackorder | UnplacedInSummary) -> dict[str, Any]:
    """A line's fields as they are: dataclasses.asdict deep-copies each value, which was most
    of the time a thousand-line summary took to word (its values are plain already)."""
    return {field.name: getattr(line, field.name) for field in fields(line)}


def request_export(uow: UnitOfWork, channel: str, requested_by: str, now: datetime) -> None:
    """Queue the open-backorders workbook for the channel; it is built when it is sent."""
    facts = {"requested_by": requested_by, "at": now.isoformat()}
    with uow:
        uow.outbox.add(Notice(EXPORT_WORKBOOK, channel, facts), now)
        uow.commit()


def note_event(uow: UnitOfWork, event_id: str, now: datetime) -> bool:
    """True the first time an incoming event is seen, False when it is delivered again."""
    with uow:
        first = uow.events.first_time(event_id, now)
        uow.commit()
    return first


def sku_status(uow: UnitOfWork, sku: str) -> SkuStatus:
    """A SKU's free stock and who waits for it; a mistyped SKU gets the near ones suggested."""
    with uow:
        status = uow.queries.sku(sku.strip())
        if status is None:
            skus = uow.queries.skus()
            exact = same_name(sku, skus)  # people type SKUs in any case
            status = uow.queries.sku(exact) if exact else None
        if status is None:
            raise NotFound(f"No product with SKU {sku} is in the catalog.{did_you_mean(sku, skus)}")
    return status


def order_status(uow: UnitOfWork, number: str) -> list[OrderStatus]:
    """Every order with this number (normally one; of one store when named), line by line."""
    ref = OrderRef.parse(number)
    with uow:
        found = [s for s in uow.queries.order(ref.number) if ref.matches(s.source)]
    if not found:
        raise NotFound(f"No order {number} is known.")
    return found


def supplier_status(uow: UnitOfWork, name: str) -> SupplierStatus:
    """A supplier's terms and buffer."""
    with uow:
        status = uow.queries.supplier(name.strip())
        if status is None:
            exact = same_name(name, uow.queries.supplier_names())  # "velo parts ltd"
            status = uow.queries.supplier(exact) if exact else None
        if status is None:
            raise unknown_supplier(uow, name)
    return status


def unknown_supplier(uow: UnitOfWork, name: str) -> NotFound:
    """The refusal for a supplier name nobody knows, with the names it was probably meant as."""
    near = did_you_mean(name, uow.queries.supplier_names())
    return NotFound(f"No supplier called {name} is in the catalog.{near}")


def backorder_overview(uow: UnitOfWork) -> Overview:
    """Open backorders by supplier, oldest first."""
    with uow:
        return uow.queries.overview()
