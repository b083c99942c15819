"""Which replica runs the scheduler. APScheduler 3 allows one scheduler per job store, so on
PostgreSQL the replicas elect one: the one holding a session-level advisory lock, on a
connection of its own kept for as long as it leads. A dead leader's session ends with its
process (or, for a host that vanished, when TCP keepalives give up), which frees the lock; each
standby tries to take it every `retry_s` seconds. The leader checks its lock connection just as
often and stops its scheduler at once, without waiting for running jobs, when it is gone. On
SQLite (one process by nature) the process simply runs the scheduler.

The lock: `pg_try_advisory_lock(LOCK_CLASS, lock_object(schema))`, i.e. in `pg_locks` the row
with `locktype = 'advisory'`, `classid = 1114587731`, `objsubid = 2` and `objid` the CRC-32 of the
schema the bot's tables are in (`public`: 1001664029), so bots in two schemas of one database
each elect their own leader."""

from __future__ import annotations

import logging
import os
import socket
import threading
import zlib
from collections.abc import Callable
from typing import Literal, Protocol

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from bot.scheduling.scheduler import stop as stop_scheduler
from storage.db import Database

log = logging.getLogger(__name__)
LOCK_CLASS = 0x426F4253  # "BoBS": Backorder Bot's scheduler
RETRY_S = 10.0  # a standby's tries, and the leader's checks of its lock connection
APPLICATION_NAME = "backorder-bot scheduler"
# The lock connection's TCP keepalives (client side) and the longest an unanswered send may wait:
# a leader cut off from the database notices within `retry_s` + 5 s and stops its scheduler.
CLIENT_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 5000,
    "connect_timeout": 5,
}
# The server's side, for this session only: a leader's host that vanished without closing its
# connection is dropped after 10 + 3 x 5 = 25 s, which frees the lock for a standby.
SERVER_KEEPALIVES = (
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
    "SET statement_timeout = '5s'",
)
TAKE = text("SELECT pg_try_advisory_lock(:c, :o)")
GIVE_UP = text("SELECT pg_advisory_unlock(:c, :o)")
# pg_locks shows the two int4 keys as oids (unsigned): compare them as PostgreSQL casts them.
HELD = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2"
    " AND pid = pg_backend_pid() AND classid = CAST(CAST(:c AS int4) AS oid)"
    " AND objid = CAST(CAST(:o AS int4) AS oid)"
)
Role = Literal["leader", "standby", "off"]


class RunningScheduler(Protocol):
    @property
    def running(self) -> bool: ...

    def remove_jobstore(self, alias: str, shutdown: bool = True) -> None: ...

    def shutdown(self, wait: bool = True) -> None: ...


def lock_object(schema: str) -> int:
    """The lock's second key: the CRC-32 of `schema`, as PostgreSQL's signed int4."""
    value = zlib.crc32(schema.encode("utf-8"))
    return value - 2**32 if value >= 2**31 else value


class AdvisoryLock:
    """The scheduler's advisory lock, on a dedicated autocommit connection (never one of the
    pool's, which a request could close or reuse)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None

    @classmethod
    def on(cls, database: Database) -> AdvisoryLock | None:
        """The lock for `database`; None on SQLite, where one process runs everything."""
        if database.is_sqlite:
            return None
        args = CLIENT_KEEPALIVES | {"application_name": f"{APPLICATION_NAME} {replica_name()}"}
        engine = create_engine(database.engine.url, poolclass=NullPool, connect_args=args)
        return cls(engine)

    def try_take(self) -> bool:
        """Take the lock if no other session holds it."""
        try:
            conn = self._connection()
            taken = conn.execute(TAKE, self._keys(conn)).scalar()
        except SQLAlchemyError as error:
            log.warning("could not try the scheduler lock (%s)", type(error).__name__)
            self.release()
            return False
        return bool(taken)

    def held(self) -> bool:
        """True while the lock connection answers and its session still holds the lock."""
        if self._conn is None:
            return False
        try:
            count = self._conn.execute(HELD, self._keys(self._conn)).scalar()
        except SQLAlchemyError:
            return False
        return bool(count)

    def release(self, *, unlock: bool = False) -> None:
        """Close the lock connection: its session ends, and the lock with it. The server ends a
        closed session a moment later, not at once; `unlock` (a leader that stops on purpose)
        first gives the lock up on the server, so a standby's next try takes it."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if unlock:
                conn.execute(GIVE_UP, self._keys(conn))
            conn.close()
        except SQLAlchemyError:
            conn.invalidate()

    def dispose(self) -> None:
        self.release()
        self._engine.dispose()

    def _connection(self) -> Connection:
        if self._conn is None:
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            for statement in SERVER_KEEPALIVES:
                conn.execute(text(statement))
            self._conn = conn
        return self._conn

    @staticmethod
    def _keys(conn: Connection) -> dict[str, int]:
        schema = conn.execute(text("SELECT coalesce(current_schema(), '')")).scalar()
        return {"c": LOCK_CLASS, "o": lock_object(str(schema))}


def replica_name() -> str:
    """How an operator knows this process in `pg_stat_activity`: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class SchedulerLead:
    """Runs the scheduler in this process while it leads: always without a lock (SQLite);
    with one, while it holds it. `tick` is one standby try or one leader check."""

    def __init__(
        self,
        lock: AdvisoryLock | None,
        start_scheduler: Callable[[], RunningScheduler],
        retry_s: float = RETRY_S,
    ) -> None:
        self._lock = lock
        self._start_scheduler = start_scheduler
        self.retry_s = retry_s
        self.scheduler: RunningScheduler | None = None
        self._started = False
        self._turn = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def role(self) -> Role:
        if not self._started:
            return "off"
        return "leader" if self.scheduler is not None else "standby"

    def start(self, *, background: bool = True) -> None:
        """Lead at once if this process may; otherwise stand by, trying every `retry_s`."""
        self._started = True
        self._stopping.clear()
        self.tick()
        if self._lock is not None and background:
            self._thread = threading.Thread(target=self._watch, name="scheduler-lead", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the scheduler and give up the lead (a standby takes it within `retry_s`)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self.retry_s + 10)
            self._thread = None
        with self._turn:
            self._step_down(unlock=True)
            self._started = False
        if self._lock is not None:
            self._lock.dispose()

    def tick(self) -> None:
        with self._turn:
            if self._stopping.is_set():
                return
            if self._lock is None:
                if self.scheduler is None:
                    self.scheduler = self._start_scheduler()
            elif self.scheduler is not None:
                if not self._lock.held():
                    log.error(
                        "lost the scheduler lock (its database connection is gone): "
                        "scheduler stopped, standing by"
                    )
                    self._step_down()
            elif self._lock.try_take():
                self._lead()

    def _lead(self) -> None:
        try:
            self.scheduler = self._start_scheduler()
        except Exception:
            log.exception("took the scheduler lock but the scheduler did not start; standing by")
            self._step_down()
            return
        log.info("leading: this replica (%s) runs the scheduler", replica_name())

    def _step_down(self, *, unlock: bool = False) -> None:
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            stop_scheduler(scheduler)
        if self._lock is not None:
            self._lock.release(unlock=unlock and scheduler is not None)

    def _watch(self) -> None:
        while not self._stopping.wait(self.retry_s):
            try:
                self.tick()
            except Exception:  # the watch must outlive any one failure
                log.exception("scheduler lead check failed")


LEADER = text(
    "SELECT a.application_name, a.client_addr, a.backend_start FROM pg_locks l"
    " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
    " AND l.objsubid = 2 AND l.classid = CAST(CAST(:c AS int4) AS oid)"
    " AND l.objid = CAST(CAST(:o AS int4) AS oid) AND l.database ="
    " (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def who_leads(database: Database) -> str | None:
    """`jobs list`: which replica runs the scheduler (host:pid, since when); None on SQLite."""
    if database.is_sqlite:
        return None
    with database.engine.connect() as conn:
        schema = conn.execute(text("SELECT coalesce(current_schema(), '')")).scalar()
        row = conn.execute(LEADER, {"c": LOCK_CLASS, "o": lock_object(str(schema))}).first()
    if row is None:
        return "no replica runs it now (a standby takes over within its retry interval)"
    name, address, since = row
    where = f" from {address}" if address else ""
    replica = name.removeprefix(APPLICATION_NAME).strip()
    return f"{replica}{where}, leading since {since:%Y-%m-%d %H:%M:%S %Z}"
