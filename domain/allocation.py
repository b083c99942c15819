"""Allocation: what an order line takes from free stock, and what it leaves waiting."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.model import (
    IncomingLine,
    IncomingOrder,
    LineIssue,
    LineState,
    NotStock,
    OrderState,
    StockLevel,
)


@dataclass
class OrderPlan:
    """The lines an order version ends with, and the free stock it takes (+) or gives back (-)."""

    lines: list[LineState]
    stock_taken: dict[int, int] = field(default_factory=dict)

    @property
    def returned_product_ids(self) -> list[int]:
        return sorted(pid for pid, taken in self.stock_taken.items() if taken < 0)


def resize_line(line: LineState, demand: int, free: int) -> int:
    """Bring a placed line's demand to `demand` units, using `free` stock; returns units taken.

    Negative means units given back.

    A larger quantity takes free stock first and leaves the rest waiting; a smaller one gives up
    waiting units first, so stock already promised to this customer stays with them.
    """
    current = line.allocated + line.waiting
    if demand >= current:
        extra = demand - current
        take = min(max(free, 0), extra)
        line.allocated += take
        line.waiting += extra - take
        line.backordered += extra - take
        return take
    reduce = current - demand
    from_waiting = min(line.waiting, reduce)
    line.waiting -= from_waiting
    given_back = reduce - from_waiting
    line.allocated -= given_back
    return -given_back


def plan_order(
    order: IncomingOrder, existing: OrderState | None, stock: dict[str, StockLevel]
) -> OrderPlan:
    """Apply one version of an order to its stored lines against free stock."""
    previous = existing.lines if existing else {}
    free = {level.sku: level.on_hand for level in stock.values()}
    plan = OrderPlan(lines=[])
    seen: set[str] = set()
    for incoming in order.lines:
        seen.add(incoming.line_ref)
        line = _line_for(incoming, previous.get(incoming.line_ref), stock, order.test)
        line.position = incoming.position or line.position
        if line.not_stock is not None:
            line.quantity = incoming.quantity  # recorded as the store says, never demand
            plan.lines.append(line)
            continue
        if line.cancelled_at is not None:
            # A person cancelled this line: the store's quantity for it no longer counts.
            plan.lines.append(line)
            continue
        demand = 0 if order.cancelled else _demand(incoming, line)
        line.quantity = incoming.quantity
        _resize_into_plan(plan, line, demand, free, stock)
    for ref, gone in previous.items():
        if ref not in seen:
            gone.quantity = 0
            _resize_into_plan(plan, gone, 0, free, stock)
    return plan


def _demand(incoming: IncomingLine, line: LineState) -> int:
    """The units of `incoming` still wanted: those the shop had sent before the bot placed the
    line (its quantity beyond what it holds and waits for) stay out of demand."""
    if line.product_id is None or line.quantity == 0:  # placed now: the store says what it sent
        return max(incoming.quantity - incoming.sent, 0)
    sent_before = max(line.quantity - line.allocated - line.waiting, 0)
    return max(incoming.quantity - sent_before, 0)


def plan_cancellation(existing: OrderState, stock: dict[str, StockLevel]) -> OrderPlan:
    """Every line of a cancelled order goes to zero: stock comes back, waiting units leave."""
    free = {level.sku: level.on_hand for level in stock.values()}
    plan = OrderPlan(lines=[])
    for line in existing.lines.values():
        _resize_into_plan(plan, line, 0, free, stock)
    return plan


def _line_for(
    incoming: IncomingLine, stored: LineState | None, stock: dict[str, StockLevel], test: bool
) -> LineState:
    """The stored line for `incoming`, or a fresh empty one, with its SKU problem if any."""
    if stored is None and (test or incoming.not_stock is not None):
        return _not_stock(incoming, NotStock.TEST_ORDER if test else incoming.not_stock)
    level = stock.get(incoming.sku) if incoming.sku else None
    if stored is not None and (
        stored.product_id is not None or level is None or stored.not_stock is not None
    ):
        return stored
    issue = None if level else (LineIssue.UNKNOWN_SKU if incoming.sku else LineIssue.NO_SKU)
    return LineState(
        line_ref=incoming.line_ref,
        sku=incoming.sku,
        quantity=0,
        allocated=0,
        waiting=0,
        issue=issue,
        line_id=stored.line_id if stored else None,
        product_id=level.product_id if level else None,
        name=incoming.name,
        cancelled_at=stored.cancelled_at if stored else None,
    )


def _not_stock(incoming: IncomingLine, why: NotStock | None) -> LineState:
    """A line first seen as no stock (nothing to ship, already sent, a test): recorded only."""
    return LineState(
        line_ref=incoming.line_ref,
        sku=incoming.sku,
        quantity=0,
        allocated=0,
        waiting=0,
        name=incoming.name,
        not_stock=why,
    )


def _resize_into_plan(
    plan: OrderPlan,
    line: LineState,
    demand: int,
    free: dict[str, int],
    stock: dict[str, StockLevel],
) -> None:
    if line.product_id is None or line.sku is None or line.sku not in stock:
        plan.lines.append(line)
        return
    taken = resize_line(line, demand, free[line.sku])
    free[line.sku] -= taken
    pid = line.product_id
    plan.stock_taken[pid] = plan.stock_taken.get(pid, 0) + taken
    plan.lines.append(line)


def is_stale(order: IncomingOrder, existing: OrderState) -> bool:
    """True when `order` is older than what was applied, so applying it would roll state back.

    Stores date versions to the second. Two versions of one second are ordered by how far along
    its life each says the order is (a cancellation outranks a status change): the later stage
    applies whatever order they arrive in; one of the same stage applies, as it came later.
    """
    if order.updated_at != existing.updated_at:
        return order.updated_at < existing.updated_at
    return not order.cancelled and order.stage < existing.stage


def fill_waiting(on_hand: int, waiting_lines: list[LineState]) -> list[tuple[LineState, int]]:
    """Give `on_hand` units to `waiting_lines` (oldest first); returns (line, units given)."""
    fills: list[tuple[LineState, int]] = []
    for line in waiting_lines:
        if on_hand <= 0:
            break
        units = min(on_hand, line.waiting)
        line.waiting -= units
        line.allocated += units
        on_hand -= units
        fills.append((line, units))
    return fills
