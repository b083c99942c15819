"""Once-per-period effects: a key inserted in the same transaction as the effect."""

from __future__ import annotations

from datetime import datetime

from storage.models import PeriodMarkRow
from storage.outbox import dialect_insert
from storage.tx import SqlTx

marks = PeriodMarkRow.__table__


class SqlPeriods:
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def claim(self, key: str, now: datetime) -> bool:
        """True the first time `key` is claimed; a rerun (or another process) gets False."""
        stmt = (
            dialect_insert(self.tx.conn.dialect.name)(marks)
            .values(key=key, done_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(marks.c.key)
        )
        return self.tx.conn.execute(stmt).first() is not None
