"""The desk's part in new-backorder summaries: queue a channel's summary, never word it.

An order's waiting lines are queued with it; with `summaries.batch_every` "0" the same
transaction makes the channel's summary due (`storage.summaries`), otherwise the `summary`
job does every `batch_every`. The outbox worker takes the queue when it sends the summary, so
whatever arrived meanwhile goes out in that one message.
"""

from __future__ import annotations

from typing import Self

from sqlalchemy import Connection

from bot.desk.base import DeskBase
from storage.db import Database
from storage.summaries import SqlSummaryQueue
from storage.unit_of_work import SqlUnitOfWork


class SummaryDueUnitOfWork(SqlUnitOfWork):
    """A writer whose queued summary lines also make `channel`'s summary due."""

    def __init__(self, database: Database, channel: str, within: Connection | None) -> None:
        super().__init__(database, within=within)
        self.channel = channel

    def __enter__(self) -> Self:
        super().__enter__()
        self.summaries = SqlSummaryQueue(self.tx, due_to=self.channel)
        return self


class Summaries(DeskBase):
    def flush_summaries(self) -> bool:
        """The `summary` job: if lines wait to be told, the channel's summary is due (queued
        once however often this runs before it is sent). True when one is due."""
        with self._writer() as uow:
            due = uow.summaries.make_due_if_queued(self.channel, self.clock())
            uow.commit()
        return due

    def _ingest_writer(self, within: Connection | None) -> SqlUnitOfWork:
        """The order's transaction (its savepoint in a group commit's, `within`); with
        `batch_every` "0" it makes the summary due as well."""
        if self.summarise_at_once:
            return SummaryDueUnitOfWork(self.database, self.channel, within)
        return SqlUnitOfWork(self.database, within=within)
