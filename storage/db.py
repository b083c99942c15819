"""Engines and sessions: SQLite (WAL, one writer at a time) by default, PostgreSQL by URL."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///backorders.db"
SQLITE_BUSY_TIMEOUT_MS = 10_000
_BEGIN = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED"}
PG_CONNECT_TIMEOUT_S = 10
EXAMPLES = "sqlite:///backorders.db or postgresql://user:password@host:5432/name"
# Connections kept open: one per thread that may hold one at once (the HTTP server's 8
# threads, the answer pool's 2, the Slack and mail outbox workers, scheduled jobs). With
# SQLAlchemy's default of 5, orders arriving in bursts on the 8 HTTP threads closed the extra
# connections at each lull and opened new ones (a new PostgreSQL backend each) at the next.
POOL_SIZE = 16
# A pooled PostgreSQL connection idle longer than this is pinged before it is used again (a
# server restart or a firewall closes idle connections); one used moments ago is not: a ping on
# every checkout (SQLAlchemy's pool_pre_ping) was one round trip in ten of an order.
PING_IDLE_S = 1.0


class DatabaseUnavailable(Exception):
    """DATABASE_URL names a database the bot cannot use; the message says why and what to do."""


@dataclass
class Database:
    """An engine, its session factory, and how writers take turns on it."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    # SQLite allows one writer; queueing writers here is cheaper than its busy-wait polling.
    # Correctness never depends on it: BEGIN IMMEDIATE and constraints guard the data.
    _writer: threading.Lock | None = field(default=None, repr=False)

    @property
    def reader(self) -> Engine:
        """The engine for read-only work: on SQLite it does not take the write lock."""
        return self.engine.execution_options(sqlite_begin="DEFERRED")

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def writer_turn(self) -> Iterator[None]:
        if self._writer is None:
            yield
            return
        with self._writer:
            yield

    def dispose(self) -> None:
        self.engine.dispose()


def connect(url: str = DEFAULT_URL, **engine_options: Any) -> Database:
    """Open a database by SQLAlchemy URL (a bare `postgresql://` uses psycopg 3) and reach it."""
    try:
        sa_url = make_url(url)
    except ArgumentError as error:
        raise DatabaseUnavailable(f"DATABASE_URL is not a database URL: use {EXAMPLES}.") from error
    _refuse_sqlite_without_a_file(sa_url)
    try:
        database = _open(url, sa_url, engine_options)
    except (ArgumentError, ImportError) as error:  # an unknown `scheme://`, or its driver
        raise DatabaseUnavailable(_unknown_kind(sa_url)) from error
    try:
        with database.engine.connect() as conn:
            if database.is_sqlite:  # SQLite reads the file only when asked something
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master")
    except DBAPIError as error:
        database.dispose()
        raise DatabaseUnavailable(explain(sa_url, error)) from error
    return database


def _refuse_sqlite_without_a_file(sa_url: URL) -> None:
    """`sqlite://name.db` (two slashes) or `sqlite:///` would keep orders in memory only."""
    if sa_url.get_backend_name() != "sqlite":
        return
    if sa_url.host:
        raise DatabaseUnavailable(
            f"DATABASE_URL {safe_url(sa_url)}: a SQLite file takes three slashes: "
            f"sqlite:///{sa_url.host} (a file in this folder), or four for a full path "
            "(sqlite:////srv/bot/backorders.db)."
        )
    if not sa_url.database or sa_url.database == ":memory:":
        raise DatabaseUnavailable(
            f"DATABASE_URL {safe_url(sa_url)} names no file, so every order would be lost "
            "when the bot stops: use sqlite:///backorders.db or another file name."
        )


def _open(url: str, sa_url: URL, engine_options: dict[str, Any]) -> Database:
    if "poolclass" not in engine_options:
        engine_options = {"pool_size": POOL_SIZE} | engine_options
    if sa_url.drivername in ("postgresql", "postgres"):
        sa_url = sa_url.set(drivername="postgresql+psycopg")
    if sa_url.get_backend_name() == "sqlite":
        engine = _sqlite_engine(sa_url.render_as_string(hide_password=False), engine_options)
        writer: threading.Lock | None = threading.Lock()
    else:
        if sa_url.get_backend_name() == "postgresql" and "connect_timeout" not in sa_url.query:
            args = {"connect_timeout": PG_CONNECT_TIMEOUT_S} | engine_options.get(
                "connect_args", {}
            )
            engine_options = engine_options | {"connect_args": args}
        engine = create_engine(sa_url, **engine_options)
        _ping_when_idle(engine)
        writer = None
    sessions = sessionmaker(engine, expire_on_commit=False, autoflush=False)
    return Database(url=url, engine=engine, sessions=sessions, _writer=writer)


def safe_url(url: URL | str) -> str:
    """The URL as it may be shown: the password replaced by ***."""
    return make_url(url).render_as_string(hide_password=True)


def _unknown_kind(sa_url: URL) -> str:
    return (
        f"DATABASE_URL {safe_url(sa_url)}: the bot runs on SQLite or PostgreSQL, "
        f"not {sa_url.drivername!r}; use {EXAMPLES}."
    )


_FIX_HOST = "start the server, or fix the host and port in DATABASE_URL"
_PG_PROBLEMS = (
    (
        r'database "([^"]+)" does not exist',
        "has no database {0!r}: create it (createdb {0}) or fix the database name in DATABASE_URL",
    ),
    (r'role "([^"]+)" does not exist', "has no user {0!r}: fix the user in DATABASE_URL"),
    (
        r"password authentication failed|no password supplied",
        "refused the login: fix the user and password in DATABASE_URL",
    ),
    (r"[Cc]onnection refused", f"is not answering (connection refused): {_FIX_HOST}"),
    (r"resolve host|translate host name", "is not a known host: fix the host in DATABASE_URL"),
    (r"timeout expired", f"did not answer in time: {_FIX_HOST}"),
    (
        r"invalid response to SSL negotiation|server closed the connection unexpectedly",
        "answered, but not as PostgreSQL does: fix the host and port in DATABASE_URL "
        "(PostgreSQL listens on 5432 unless set otherwise)",
    ),
)


def explain(sa_url: URL, error: DBAPIError) -> str:
    """One line: which database could not be opened, why, and what to do about it."""
    shown = safe_url(sa_url)
    if sa_url.get_backend_name() == "sqlite":
        return _explain_sqlite(sa_url, shown, error)
    where = f"PostgreSQL at {sa_url.host or 'localhost'}:{sa_url.port or 5432}"
    detail = str(error.orig)
    for pattern, advice in _PG_PROBLEMS:
        found = re.search(pattern, detail)
        if found:
            return f"DATABASE_URL {shown}: {where} {advice.format(*found.groups())}."
    lines = [line.strip() for line in detail.splitlines() if line.strip()]
    reason = lines[0] if lines else type(error.orig).__name__  # the first line says what failed
    return f"DATABASE_URL {shown}: cannot open {where} ({reason}); check DATABASE_URL."


def _explain_sqlite(sa_url: URL, shown: str, error: DBAPIError) -> str:
    path = Path(sa_url.database or "")
    if sa_url.database and not path.parent.is_dir():
        return (
            f"DATABASE_URL {shown}: the folder {path.parent} does not exist; create it, "
            "or point DATABASE_URL at a file in an existing folder."
        )
    if "not a database" in str(error.orig):
        return (
            f"DATABASE_URL {shown}: {path} is not a SQLite database (another kind of file, "
            "or damaged): point DATABASE_URL at the bot's database, or at a new file name."
        )
    return f"DATABASE_URL {shown}: cannot open the SQLite file ({error.orig}); check DATABASE_URL."


def _ping_when_idle(engine: Engine) -> None:
    """Check a connection that sat idle in the pool before handing it out; a dead one is
    replaced by a new one (the pool tries again on DisconnectionError)."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as error:
            raise DisconnectionError("a pooled connection was closed while idle") from error


def _sqlite_engine(url: str, options: dict[str, Any]) -> Engine:
    connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    engine = create_engine(url, connect_args=connect_args, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a 200 to a store means the order is on disk
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so two writers never deadlock upgrading.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.connection.dbapi_connection.execute(_BEGIN[mode])

    return engine
