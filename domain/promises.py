"""Promises: the ship-by date each waiting line carries from the moment it first waits.

Where no shipping time is stated, a distance seller must ship within 30 days; a shop may state
one per order (the store sends it), per product or per supplier (the catalog), or for everything
(`customers.promise_days`). The most specific one wins, and once given a promise stays.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from domain.model import IncomingOrder, LineState, StockLevel

if TYPE_CHECKING:
    from domain.ports import UnitOfWork

# A stated date is kept as noon UTC of that day: the same calendar day in every shop's zone
# from UTC-11 to UTC+11, so nobody reads the promise as a day early or late.
_MIDDAY = time(12, 0, tzinfo=UTC)
DEFAULT_PROMISE_DAYS = 30


class PromiseSource(enum.StrEnum):
    """Who made the promise."""

    ORDER = "order"
    PRODUCT = "product"
    SUPPLIER = "supplier"
    DEFAULT = "default"


@dataclass(frozen=True)
class Promise:
    by: datetime
    source: PromiseSource

    @property
    def day(self) -> date:
        return self.by.date()


@dataclass(frozen=True)
class UnpromisedLine:
    """A waiting line with no promise yet, and what the order and the catalog say of it."""

    line_id: int
    placed_at: datetime
    stated: date | None = None  # by the store, for the line or its order
    product_days: int | None = None
    supplier_days: int | None = None


def promise_for(line: UnpromisedLine, default_days: int) -> Promise:
    """The order's stated date, else the product's days, else the supplier's, else the default."""
    if line.stated is not None:
        return Promise(datetime.combine(line.stated, _MIDDAY), PromiseSource.ORDER)
    for days, source in (
        (line.product_days, PromiseSource.PRODUCT),
        (line.supplier_days, PromiseSource.SUPPLIER),
    ):
        if days is not None:
            return Promise(_midday_after(line.placed_at, days), source)
    return Promise(_midday_after(line.placed_at, default_days), PromiseSource.DEFAULT)


def _stated(order: IncomingOrder) -> dict[str, date | None]:
    """The date the store stated for each line, or for its whole order."""
    return {line.line_ref: line.promised_by or order.promised_by for line in order.lines}


def promises(lines: Iterable[UnpromisedLine], default_days: int) -> list[tuple[int, Promise]]:
    """Each line's promise, by line id."""
    return [(line.line_id, promise_for(line, default_days)) for line in lines]


def _midday_after(placed_at: datetime, days: int) -> datetime:
    """Noon UTC of the day `days` after the order was placed (in UTC)."""
    return datetime.combine(placed_at.astimezone(UTC).date() + timedelta(days=days), _MIDDAY)


def is_late(expected: datetime | None, promised_by: datetime | None) -> bool:
    """Whether the line is expected on a later day than it was promised."""
    if expected is None or promised_by is None:
        return False
    return expected.astimezone(UTC).date() > promised_by.astimezone(UTC).date()


def promise_new_lines(
    lines: Iterable[LineState],
    order: IncomingOrder,
    stock: dict[str, StockLevel],
    default_days: int,
) -> None:
    """Promise each waiting line of an order seen for the first time, before it is stored: the
    same promise `give_promises` would give it after, without reading the lines back."""
    stated = _stated(order)
    for line in lines:
        level = stock.get(line.sku) if line.sku else None
        if line.waiting > 0 and level is not None and line.product_id == level.product_id:
            unpromised = UnpromisedLine(
                0,
                order.placed_at,
                stated.get(line.line_ref),
                level.product_days,
                level.supplier_days,
            )
            line.promise = promise_for(unpromised, default_days)


def give_promises(uow: UnitOfWork, order_id: int, order: IncomingOrder, default_days: int) -> None:
    """Promise a ship-by date to each of the order's waiting lines that has none yet."""
    stated = _stated(order)
    lines = [
        UnpromisedLine(line_id, placed_at, stated.get(ref), product_days, supplier_days)
        for line_id, ref, placed_at, product_days, supplier_days in uow.orders.unpromised(order_id)
    ]
    if lines:
        uow.orders.save_promises(promises(lines, default_days))
