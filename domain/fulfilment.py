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


def filled_orders(uow: UnitOfWork, filled: list[tuple[LineState, int]]) -> dict[int, OrderStatus]:
    """The orders whose lines new stock just filled, by id (plain columns, in chunks)."""
    return uow.queries.orders_by_ids(sorted({line.order_id for line, _ in filled if line.order_id}))


def ready_orders(orders: Iterable[OrderStatus], policy: str) -> tuple[OrderStatus, ...]:
    """`complete`: nothing of the order waits any more; `partial`: a line of it was filled."""
    return tuple(
        order
        for order in orders
        if not order.cancelled and (policy != "complete" or order.waiting_units == 0)
    )


def announce_ready(
    uow: UnitOfWork, ready: tuple[OrderStatus, ...], now: datetime, news: ReadyNews
) -> None:
    """One channel message: which orders can ship and what to pack (none when none can)."""
    if not ready:
        return
    lines = [_to_pack(order) for order in ready]
    heading = f"🚚 {plural(len(ready), 'order')} ready to ship:"
    facts = {
        "orders": [order.number for order in ready],
        "text": heading + "\n" + listed(lines, "\n"),
    }
    uow.outbox.add(Notice(ORDERS_READY, news.channel, facts), now)


def _to_pack(order: OrderStatus) -> str:
    pack = ", ".join(
        f"{line.sku or line.name} x{line.allocated}" for line in order.lines if line.allocated
    )
    return f"Order {shown(order.number)} is ready to ship: pack {pack}."


def listed(items: list[str], sep: str = ", ") -> str:
    """The first MAX_LISTED items, then how many more."""
    shown = sep.join(items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    return shown + (f"{sep}…and {more} more" if more > 0 else "")
