"""The unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import TracebackType
from typing import Self

from sqlalchemy import Connection

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
from storage.tx import SavepointTx, SqlTx


class SqlUnitOfWork:
    """A fresh session per use case; `read_only` ones never wait for SQLite's writer.

    `within` a connection whose transaction another owns (a group commit's), the use case
    is a savepoint of it: its commit releases the savepoint, anything else rolls it back."""

    tx: SqlTx

    def __init__(
        self, database: Database, read_only: bool = False, within: Connection | None = None
    ) -> None:
        self.database = database
        self.read_only = read_only
        self.within = within
        self._turn: AbstractContextManager[None] | None = None

    def __enter__(self) -> Self:
        self.tx = self._open()
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

    def _open(self) -> SqlTx:
        if self.within is not None:
            return SavepointTx(self.within)
        if not self.read_only:
            self._turn = self.database.writer_turn()
            self._turn.__enter__()
        bind = self.database.reader if self.read_only else self.database.engine
        try:
            return SqlTx(bind.connect())
        except BaseException:  # no connection: the writer's turn goes to the next one
            self._end_turn(None, None, None)
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.tx.close()
        finally:
            self._end_turn(exc_type, exc, tb)

    def _end_turn(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._turn is not None:
            self._turn.__exit__(exc_type, exc, tb)
            self._turn = None

    def commit(self) -> None:
        self.tx.commit()

    def rollback(self) -> None:
        self.tx.rollback()
