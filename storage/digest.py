"""The weekly digest's numbers, each aggregated in SQL: six queries, whatever the history.

The backlog reads only waiting lines (the partial index `ix_order_lines_waiting_fifo`); the
week's figures read only that week's orders and purchase orders, then their lines by order id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    RowMapping,
    Select,
    and_,
    case,
    cast,
    func,
    select,
    true,
)

from domain.purchasing import PoStatus
from domain.views import AgeBucket, CancelledSku, Digest, SupplierWeek
from storage.models import (
    OrderLineRow,
    OrderRow,
    PoLineRow,
    ProductRow,
    PurchaseOrderRow,
    ReceiptLineRow,
    ReceiptRow,
    SupplierRow,
)
from storage.purchasing import ON_ORDER, PROPOSING
from storage.reconciliations import orders_found, reconciled_since
from storage.tx import SqlTx

# label, first day, first day of the next bucket: whole days (24 h) since the order was placed
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–3 days", 0, 4),  # noqa: RUF001 (an en dash, as ranges are written)
    ("4–7 days", 4, 8),  # noqa: RUF001
    ("8–14 days", 8, 15),  # noqa: RUF001
    ("15+ days", 15, None),
)
COST_SCALE = 10_000  # unit costs keep 4 decimal places: summed as whole 1/10,000ths, exactly
CENTS = Decimal("0.01")
_WAITING = OrderLineRow.waiting_qty > 0
_NOT_CANCELLED = OrderRow.cancelled_at.is_(None)
_PO = PurchaseOrderRow


@dataclass(frozen=True)
class _Backlog:
    """The waiting lines summed up: per age bucket, at cost, the oldest, units per supplier."""

    buckets: tuple[AgeBucket, ...]
    value: Decimal
    oldest: datetime | None
    waiting: dict[int, int]

    @classmethod
    def of(cls, rows: Sequence[RowMapping]) -> _Backlog:
        """Totals of the per-supplier rows (a few hundred, already aggregated by the database)."""

        def total(name: str) -> int:
            return sum(int(row[name]) for row in rows)

        buckets = tuple(
            AgeBucket(label, total(f"lines{i}"), total(f"units{i}"))
            for i, (label, _, _) in enumerate(BUCKETS)
        )
        value = (Decimal(total("cost")) / COST_SCALE).quantize(CENTS, rounding=ROUND_HALF_UP)
        oldest = min((row["oldest"] for row in rows), default=None)
        waiting = {row["supplier_id"]: int(row["units"]) for row in rows}
        return cls(buckets, value, oldest, waiting)


class SqlDigest:
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def build(self, week_start: datetime, week_end: datetime, now: datetime) -> Digest:
        """The backlog as of `now`, and what happened in the week [week_start, week_end)."""
        backlog = self._backlog(now)
        orders_in, backordered = self._orders_in(week_start, week_end)
        return Digest(
            week_start=week_start,
            week_end=week_end,
            open_lines=sum(bucket.lines for bucket in backlog.buckets),  # they cover every line
            open_units=sum(bucket.units for bucket in backlog.buckets),
            open_value=backlog.value,
            buckets=backlog.buckets,
            oldest_order=self._oldest(backlog.oldest),
            oldest_placed_at=backlog.oldest,
            suppliers=self._suppliers(now, backlog.waiting),
            orders_in=orders_in,
            units_backordered=backordered,
            pos_sent=self._pos_sent(week_start, week_end),
            units_received=_units_received(self.tx, week_start, week_end),
            cancelled=self._cancelled(week_start, week_end),
            orders_reconciled=self._reconciled(week_start, week_end),
        )

    def _backlog(self, now: datetime) -> _Backlog:
        """One pass over the waiting lines, per supplier; the totals add up those few rows."""
        columns: list[ColumnElement[Any]] = [ProductRow.supplier_id]
        for index, (_, first_day, next_day) in enumerate(BUCKETS):
            inside = _placed_between(now, first_day, next_day)
            units = func.coalesce(func.sum(case((inside, OrderLineRow.waiting_qty))), 0)
            columns += [
                func.count(case((inside, 1))).label(f"lines{index}"),
                units.label(f"units{index}"),
            ]
        cost = cast(func.round(ProductRow.unit_cost * COST_SCALE), BigInteger)
        columns += [
            func.sum(OrderLineRow.waiting_qty).label("units"),
            func.sum(OrderLineRow.waiting_qty * cost).label("cost"),
            func.min(OrderLineRow.placed_at).label("oldest"),
        ]
        stmt = (
            _waiting_lines(*columns)
            .join(ProductRow, ProductRow.id == OrderLineRow.product_id)
            .group_by(ProductRow.supplier_id)
        )
        return _Backlog.of(self.tx.conn.execute(stmt).mappings().all())

    def _oldest(self, placed_at: datetime | None) -> str | None:
        """The order of the longest-waiting line: placed at `placed_at`; on a tie, the first line.

        Found by its time rather than by sorting every waiting line: a sort costs a whole pass.
        """
        if placed_at is None:
            return None
        stmt = (
            _waiting_lines(OrderRow.number)
            .where(OrderLineRow.placed_at == placed_at)
            .order_by(OrderLineRow.id)
            .limit(1)
        )
        return self.tx.conn.execute(stmt).scalar_one_or_none()

    def _suppliers(self, now: datetime, waiting: dict[int, int]) -> tuple[SupplierWeek, ...]:
        """Suppliers with units waiting, an open proposal or POs on the way; most waiting first."""
        proposal, flight = _proposals(), _in_flight(now)
        stmt = (
            select(
                SupplierRow.id,
                SupplierRow.name,
                proposal.c.units,
                func.coalesce(flight.c.pos, 0),
                func.coalesce(flight.c.late, 0),
            )
            .outerjoin(proposal, proposal.c.supplier_id == SupplierRow.id)
            .outerjoin(flight, flight.c.supplier_id == SupplierRow.id)
        )
        found = [
            SupplierWeek(name, waiting.get(id_, 0), _int_or_none(units), int(pos), int(late))
            for id_, name, units, pos, late in self.tx.conn.execute(stmt)
        ]
        listed = filter(_worth_listing, found)
        return tuple(sorted(listed, key=lambda s: (-s.waiting_units, s.supplier)))

    def _orders_in(self, week_start: datetime, week_end: datetime) -> tuple[int, int]:
        """Orders received in the week, and the units of theirs that ever had to wait."""
        stmt = (
            select(
                func.count(func.distinct(OrderRow.id)),
                func.coalesce(func.sum(OrderLineRow.backordered_qty), 0),
            )
            .select_from(OrderRow)
            .outerjoin(OrderLineRow, OrderLineRow.order_id == OrderRow.id)
            .where(OrderRow.received_at >= week_start, OrderRow.received_at < week_end)
        )
        orders, units = self.tx.conn.execute(stmt).one()
        return int(orders), int(units)

    def _reconciled(self, week_start: datetime, week_end: datetime) -> int | None:
        """Orders reconciliation found in the week that webhooks missed; None when it is off."""
        if not self.tx.conn.execute(reconciled_since(week_start)).scalar():
            return None
        return int(self.tx.conn.execute(orders_found(week_start, week_end)).scalar() or 0)

    def _pos_sent(self, week_start: datetime, week_end: datetime) -> int:
        stmt = select(func.count()).where(_PO.sent_at >= week_start, _PO.sent_at < week_end)
        return int(self.tx.conn.execute(stmt).scalar_one())

    def _cancelled(self, week_start: datetime, week_end: datetime) -> tuple[CancelledSku, ...]:
        """Backordered lines cancelled in the week (a whole order, or one SKU of it in Slack),
        per SKU with the units that had to wait, most units first."""
        # A line cancelled on its own counts in its own week, not again when its order goes.
        when = func.coalesce(OrderLineRow.cancelled_at, OrderRow.cancelled_at)
        units = cast(func.sum(OrderLineRow.backordered_qty), BigInteger)
        stmt = (
            select(OrderLineRow.sku, func.count(), units)
            .select_from(OrderRow)
            .join(OrderLineRow, OrderLineRow.order_id == OrderRow.id)
            .where(when >= week_start, when < week_end, OrderLineRow.backordered_qty > 0)
            .group_by(OrderLineRow.sku)
            .order_by(units.desc(), OrderLineRow.sku)
        )
        return tuple(
            CancelledSku(sku, int(lines), int(n)) for sku, lines, n in self.tx.conn.execute(stmt)
        )


def _worth_listing(s: SupplierWeek) -> bool:
    """Something waits for the supplier, is proposed to it, or is on its way from it."""
    return bool(s.waiting_units or s.open_proposal_units is not None or s.pos_in_flight)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _units_received(tx: SqlTx, week_start: datetime, week_end: datetime) -> int:
    """Units received against POs in the week (receipt lines of receipts in the week)."""
    stmt = (
        select(cast(func.coalesce(func.sum(ReceiptLineRow.quantity), 0), BigInteger))
        .join(ReceiptRow, ReceiptRow.id == ReceiptLineRow.receipt_id)
        .where(ReceiptRow.received_at >= week_start, ReceiptRow.received_at < week_end)
    )
    return int(tx.conn.execute(stmt).scalar_one())


def _waiting_lines(*columns: Any) -> Select[Any]:
    """`columns` over the waiting lines of orders not cancelled."""
    return (
        select(*columns)
        .select_from(OrderLineRow)
        .join(OrderRow, OrderRow.id == OrderLineRow.order_id)
        .where(_WAITING, _NOT_CANCELLED)
    )


def _placed_between(now: datetime, first_day: int, next_day: int | None) -> ColumnElement[bool]:
    """Placed `first_day` whole days ago or more, and fewer than `next_day` (None: no end)."""
    placed = OrderLineRow.placed_at
    old_enough = placed <= now - timedelta(days=first_day) if first_day else true()
    young_enough = placed > now - timedelta(days=next_day) if next_day is not None else true()
    return and_(old_enough, young_enough)


def _proposals() -> Any:
    """Units on each supplier's open proposal (proposed or held; at most one per supplier)."""
    return (
        select(
            _PO.supplier_id,
            cast(func.coalesce(func.sum(PoLineRow.quantity), 0), BigInteger).label("units"),
        )
        .outerjoin(PoLineRow, PoLineRow.po_id == _PO.id)
        .where(_PO.status.in_(PROPOSING))
        .group_by(_PO.supplier_id)
        .subquery()
    )


def _in_flight(now: datetime) -> Any:
    """POs approved or sent per supplier, and the sent ones already past their expected date."""
    late = and_(_PO.status == PoStatus.SENT.value, _PO.expected_at < now)
    return (
        select(
            _PO.supplier_id,
            func.count().label("pos"),
            func.count(case((late, 1))).label("late"),
        )
        .where(_PO.status.in_(ON_ORDER))
        .group_by(_PO.supplier_id)
        .subquery()
    )
