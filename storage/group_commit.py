"""Group commit: orders that arrive while another is being written share the next commit.

Every order is its own use case with its own answer, but a commit is the expensive part of it
on SQLite: with `synchronous=FULL` each one waits for the disk, so that a 200 to a store means
the order is stored. In a flash sale the HTTP threads queue for SQLite's one writer anyway;
here, whoever finds nobody writing becomes the leader, takes every order queued so far (up to
`MAX_BATCH`), runs each in its own SAVEPOINT of one transaction and commits once. Each order's
caller gets its own result, or its own exception: an order that fails is rolled back to its
savepoint and the others are kept. If the commit itself fails, nothing of the batch was
stored and every caller of the batch gets that error (a store retries a 500). A caller is
answered only after the commit that holds its order.

Leadership is handed to the first order still queued when a leader is done, so a leader's
own request waits for its own batch only.

SQLite only. There every writer waits for the one write lock anyway and the per-commit disk
sync is the cost. PostgreSQL writes orders in parallel and groups its own commits' WAL
flushes; one transaction holding several orders' stock row locks (each order's in product id
order, but not the batch's) could deadlock with a receipt or another replica's batch.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy import Connection

from storage.db import Database
from storage.tx import commit_or_discard

R = TypeVar("R")
# A batch is written in one transaction while its callers wait: bounded, so the last order of
# a burst is not held behind hundreds of others (the HTTP server has 8 threads anyway).
MAX_BATCH = 32


class NotStored(Exception):
    """The transaction this use case was written in was not committed: nothing of it stayed."""


class WouldWaitForItself(RuntimeError):
    """A use case inside a group commit asked for another one: it would wait for itself."""


@dataclass(eq=False)
class _Pending(Generic[R]):
    work: Callable[[Connection], R]
    ready: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    result: R | None = None
    error: BaseException | None = None

    def outcome(self) -> R:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]


class GroupCommit:
    """Runs write use cases in shared transactions; safe to share across threads."""

    def __init__(self, database: Database, max_batch: int = MAX_BATCH) -> None:
        if not database.is_sqlite:
            raise ValueError("group commit is for SQLite; PostgreSQL writes orders in parallel")
        self.database = database
        self.max_batch = max_batch
        self._mutex = threading.Lock()
        self._queue: deque[_Pending[object]] = deque()
        self._leading = False
        self._here = threading.local()

    @property
    def queued(self) -> int:
        """Use cases waiting for the next commit (the one being written not counted)."""
        with self._mutex:
            return len(self._queue)

    def run(self, work: Callable[[Connection], R]) -> R:
        """`work(conn)` inside a savepoint of a shared transaction; its result once committed.

        `work` must open and release its savepoint itself (a unit of work `within=conn`
        does), so that an early return without commit leaves nothing behind."""
        if getattr(self._here, "writing", False):
            raise WouldWaitForItself("a use case inside a group commit cannot start another")
        pending: _Pending[R] = _Pending(work)
        with self._mutex:
            self._queue.append(pending)  # type: ignore[arg-type]
            follower = self._leading
            self._leading = True
        if follower:
            self._wait(pending)  # type: ignore[arg-type]
            if not pending.leads:
                return pending.outcome()
        self._lead()
        return pending.outcome()

    def _wait(self, pending: _Pending[object]) -> None:
        try:
            pending.ready.wait()
        except BaseException:  # interrupted: leave the queue, and pass the lead on if given
            with self._mutex:
                if pending in self._queue:
                    self._queue.remove(pending)
                    if pending.leads:
                        self._pass_lead()
            raise

    def _lead(self) -> None:
        with self._mutex:
            batch = [self._queue.popleft() for _ in range(min(self.max_batch, len(self._queue)))]
        try:
            self._write(batch)
        finally:
            for pending in batch:
                pending.ready.set()
            with self._mutex:
                self._pass_lead()

    def _pass_lead(self) -> None:
        """To the first use case still queued, or to nobody (the next to come leads)."""
        if not self._queue:
            self._leading = False
            return
        following = self._queue[0]
        following.leads = True
        following.ready.set()

    def _write(self, batch: list[_Pending[object]]) -> None:
        self._here.writing = True
        try:
            with self.database.writer_turn(), self.database.engine.connect() as conn:
                self._commit_all(conn, batch)
        except BaseException as error:  # nothing of the batch is stored
            for pending in batch:
                if pending.error is None:  # its own failure, if it had one, says more
                    pending.error = NotStored(f"not stored, written with others: {error}")
                    pending.error.__cause__ = error
            if not isinstance(error, Exception):
                raise
        finally:
            self._here.writing = False

    def _commit_all(self, conn: Connection, batch: list[_Pending[object]]) -> None:
        conn.begin()
        for pending in batch:
            try:
                pending.result = pending.work(conn)
            except Exception as error:  # its savepoint was rolled back; the others go on
                pending.error = error
            if not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
                # SQLite rolls a whole transaction back on some errors (a full disk, I/O):
                # what the others wrote before is gone, so none of them may be told stored.
                conn.invalidate()
                raise NotStored("the transaction ended early")
        commit_or_discard(conn)
