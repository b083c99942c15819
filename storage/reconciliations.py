"""How far reconciliation has read each store, and which orders it found that webhooks missed.

A delivery that reconciliation makes carries the topic `reconcile` (and a key starting with
`reconcile:`), so an order whose first delivery has that topic is one webhooks never brought.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select

from domain.allocation import is_stale
from domain.model import IncomingOrder, LineState, OrderState
from storage.db import Database
from storage.models import DeliveryRow, OrderLineRow, OrderRow, StoreReconciliationRow
from storage.outbox import dialect_insert

RECONCILE_TOPIC = "reconcile"
marks = StoreReconciliationRow.__table__
deliveries = DeliveryRow.__table__
orders = OrderRow.__table__
lines = OrderLineRow.__table__


class Reconciliations:
    """Per store, the time up to which its changed orders have been read."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def read_to(self, source: str) -> datetime | None:
        with self.database.reader.connect() as conn:
            return conn.execute(select(marks.c.read_to).where(marks.c.source == source)).scalar()

    def record(self, source: str, read_to: datetime, now: datetime) -> None:
        """Remember `read_to` for `source`; a run over an older window never moves it back."""
        dialect = self.database.engine.dialect.name
        later = func.greatest if dialect == "postgresql" else func.max  # SQLite's max(a, b)
        insert = dialect_insert(dialect)(marks)
        stmt = insert.values(source=source, read_to=read_to, ran_at=now).on_conflict_do_update(
            index_elements=["source"],
            set_={"read_to": later(marks.c.read_to, insert.excluded.read_to), "ran_at": now},
        )
        with self.database.writer_turn(), self.database.engine.begin() as conn:
            conn.execute(stmt)

    def seen(self, order: IncomingOrder) -> bool:
        """Whether ingesting this version would change nothing: the bot already applied it, or
        one that ingestion ranks later (a later second, or a later stage of the same second)."""
        applied = self._applied(order)
        if applied is None:
            return False
        if applied.cancelled or is_stale(order, applied):
            return True
        return (
            applied.updated_at == order.updated_at
            and applied.stage == order.stage
            and not order.cancelled
            and same_lines(order, applied.lines)
        )

    def _applied(self, order: IncomingOrder) -> OrderState | None:
        """The stored version of `order` with its lines, as ingestion compares them."""
        row_stmt = select(
            orders.c.id,
            orders.c.number,
            orders.c.placed_at,
            orders.c.source_updated_at,
            orders.c.cancelled_at,
            orders.c.stage,
        ).where(orders.c.source == order.source.value, orders.c.external_id == order.external_id)
        with self.database.reader.connect() as conn:
            row = conn.execute(row_stmt).first()
            if row is None:
                return None
            line_stmt = select(lines.c.line_ref, lines.c.quantity, lines.c.cancelled_at).where(
                lines.c.order_id == row.id
            )
            stored = conn.execute(line_stmt).all()
        state = OrderState(
            row.id, row.number, row.placed_at, row.source_updated_at, row.cancelled_at is not None
        )
        state.stage = row.stage
        state.lines = {ref: _stored_line(ref, qty, cancelled) for ref, qty, cancelled in stored}
        return state

    def orders_found(self, since: datetime) -> int:
        """Orders first seen through reconciliation (not a webhook) since `since`."""
        with self.database.reader.connect() as conn:
            return int(conn.execute(orders_found(since)).scalar() or 0)


def same_lines(order: IncomingOrder, stored: dict[str, LineState]) -> bool:
    """Whether the store's lines say what the stored ones do: each line's quantity (a line a
    person cancelled keeps none of the store's), and no stored line the store dropped."""
    for incoming in order.lines:
        line = stored.get(incoming.line_ref)
        if line is None:
            return False
        if line.cancelled_at is None and line.quantity != incoming.quantity:
            return False
    listed = {incoming.line_ref for incoming in order.lines}
    return all(ref in listed or line.quantity == 0 for ref, line in stored.items())


def _stored_line(ref: str, quantity: int, cancelled_at: datetime | None) -> LineState:
    return LineState(ref, None, quantity, 0, 0, cancelled_at=cancelled_at)


def orders_found(since: datetime, until: datetime | None = None) -> Select[tuple[int]]:
    """How many orders' first delivery, in [since, until), was reconciliation's."""
    first = (
        select(deliveries.c.source, deliveries.c.order_external_id, func.min(deliveries.c.id))
        .group_by(deliveries.c.source, deliveries.c.order_external_id)
        .subquery()
    )
    stmt = (
        select(func.count())
        .select_from(deliveries.join(first, deliveries.c.id == first.c[2]))
        .where(deliveries.c.topic == RECONCILE_TOPIC, deliveries.c.received_at >= since)
    )
    return stmt if until is None else stmt.where(deliveries.c.received_at < until)


def reconciled_since(since: datetime) -> Select[tuple[int]]:
    """How many stores reconciliation read at or after `since` (0: it is not running)."""
    return select(func.count()).where(marks.c.ran_at >= since)
