"""The unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import TracebackType
from typing import Self

from storage.catalog_store import SqlCatalogStore
from storage.db import Database
from storage.digest import SqlDigest
from storage.eta import SqlEta, SqlEtaAll
from storage.events import SqlSeenEvents
from storage.outbox import SqlOutbox
from storage.periods import SqlPeriods
from storage.purchasing import SqlPurchasing
from storage.queries import SqlBackorderQueries
from storage.repositories import SqlDeliveryLog, SqlOrders, SqlStock
from storage.summaries import SqlSummaryQueue
from storage.tx import SqlTx


class SqlUnitOfWork:
    """A fresh session per use case; `read_only` ones never wait for SQLite's writer."""

    tx: SqlTx

    def __init__(self, database: Database, read_only: bool = False) -> None:
        self.database = database
        self.read_only = read_only
        self._turn: AbstractContextManager[None] | None = None

    def __enter__(self) -> Self:
        if not self.read_only:
            self._turn = self.database.writer_turn()
            self._turn.__enter__()
        bind = self.database.reader if self.read_only else self.database.engine
        self.tx = SqlTx(bind.connect())
        self.deliveries = SqlDeliveryLog(self.tx)
        self.orders = SqlOrders(self.tx)
        self.stock = SqlStock(self.tx)
        self.catalog = SqlCatalogStore(self.tx)
        self.queries = SqlBackorderQueries(self.tx)
        self.outbox = SqlOutbox(self.tx)
        self.summaries = SqlSummaryQueue(self.tx)
        self.events = SqlSeenEvents(self.tx)
        self.purchasing = SqlPurchasing(self.tx)
        self.periods = SqlPeriods(self.tx)
        self.digest = SqlDigest(self.tx)
        self.eta = SqlEta(self.tx)
        self.etas = SqlEtaAll(self.tx)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.tx.close()
        finally:
            if self._turn is not None:
                self._turn.__exit__(exc_type, exc, tb)
                self._turn = None

    def commit(self) -> None:
        self.tx.commit()

    def rollback(self) -> None:
        self.tx.conn.rollback()
