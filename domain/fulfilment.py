"""Fulfilment: which orders new stock lets ship, and the one channel message that says so.

Receipts and catalog imports both put stock on the shelf; both announce the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.model import LineState
from domain.notifications import ORDERS_READY, Notice
from domain.order_refs import shown
from domain.ports import UnitOfWork
from domain.views import OrderStatus
from domain.wording import plural

MAX_LISTED = 30  # orders named in one message; the rest are counted


@dataclass(frozen=True)
class ReadyNews:
    """Where the team hears which orders can ship, and when an order counts."""

    channel: str
    ship_policy: str = "partial"


@dataclass(frozen=True)
class FilledOrder:
    """An order new stock reached: just what says whether it can ship, not its lines."""

    order_id: int
    number: str
    cancelled: bool
    waiting_units: int  # what its lines still wait for, all of them


def filled_orders(uow: UnitOfWork, filled: list[tuple[LineState, int]]) -> dict[int, FilledOrder]:
    """The orders whose lines new stock just filled, by id, in id order (no lines read)."""
    order_ids = sorted({line.order_id for line, _ in filled if line.order_id})
    return {order.order_id: order for order in uow.queries.filled_orders(order_ids)}


def ready_orders(orders: Iterable[FilledOrder], policy: str) -> tuple[FilledOrder, ...]:
    """`complete`: nothing of the order waits any more; `partial`: a line of it was filled."""
    return tuple(
        order
        for order in orders
        if not order.cancelled and (policy != "complete" or order.waiting_units == 0)
    )


def announce_ready(
    uow: UnitOfWork, ready: tuple[FilledOrder, ...], now: datetime, news: ReadyNews
) -> None:
    """One channel message: which orders can ship and what to pack (none when none can).

    Only the orders the message names have their lines read; the rest are counted."""
    if not ready:
        return
    named = uow.queries.orders_by_ids([order.order_id for order in ready[:MAX_LISTED]])
    lines = [_to_pack(named[order.order_id]) for order in ready[:MAX_LISTED]]
    heading = f"🚚 {plural(len(ready), 'order')} ready to ship:"
    facts = {
        "orders": [order.number for order in ready],
        "text": heading + "\n" + _listed(lines, len(ready), "\n"),
    }
    uow.outbox.add(Notice(ORDERS_READY, news.channel, facts), now)


def _to_pack(order: OrderStatus) -> str:
    pack = ", ".join(
        f"{line.sku or line.name} x{line.allocated}" for line in order.lines if line.allocated
    )
    return f"Order {shown(order.number)} is ready to ship: pack {pack}."


def listed(items: list[str], sep: str = ", ") -> str:
    """The first MAX_LISTED items, then how many more."""
    return _listed(items[:MAX_LISTED], len(items), sep)


def _listed(first: list[str], total: int, sep: str) -> str:
    """`first` (the first MAX_LISTED of `total` items), then how many more."""
    more = total - MAX_LISTED
    return sep.join(first) + (f"{sep}…and {more} more" if more > 0 else "")
