"""How far reconciliation has read each store, and which orders it found that webhooks missed.

A delivery that reconciliation makes carries the topic `reconcile` (and a key starting with
`reconcile:`), so an order whose first delivery has that topic is one webhooks never brought.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select

from domain.model import IncomingOrder
from storage.db import Database
from storage.models import DeliveryRow, OrderRow, StoreReconciliationRow
from storage.outbox import dialect_insert

RECONCILE_TOPIC = "reconcile"
marks = StoreReconciliationRow.__table__
deliveries = DeliveryRow.__table__
orders = OrderRow.__table__


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
        """Whether the bot already applied this version of the order, or a later one."""
        stmt = select(orders.c.source_updated_at, orders.c.cancelled_at).where(
            orders.c.source == order.source.value, orders.c.external_id == order.external_id
        )
        with self.database.reader.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            return False
        applied, cancelled_at = row
        if applied != order.updated_at:
            return applied > order.updated_at
        return (cancelled_at is not None) == order.cancelled

    def orders_found(self, since: datetime) -> int:
        """Orders first seen through reconciliation (not a webhook) since `since`."""
        with self.database.reader.connect() as conn:
            return int(conn.execute(orders_found(since)).scalar() or 0)


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
