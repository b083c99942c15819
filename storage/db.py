"""Engines and sessions: SQLite (WAL, one writer at a time) by default, PostgreSQL by URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///backorders.db"
SQLITE_BUSY_TIMEOUT_MS = 10_000
_BEGIN = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED"}


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
    """Open a database by SQLAlchemy URL (a bare `postgresql://` uses psycopg 3)."""
    sa_url = make_url(url)
    if sa_url.drivername in ("postgresql", "postgres"):
        sa_url = sa_url.set(drivername="postgresql+psycopg")
    if sa_url.get_backend_name() == "sqlite":
        engine = _sqlite_engine(sa_url.render_as_string(hide_password=False), engine_options)
        writer: threading.Lock | None = threading.Lock()
    else:
        engine = create_engine(sa_url, pool_pre_ping=True, **engine_options)
        writer = None
    sessions = sessionmaker(engine, expire_on_commit=False, autoflush=False)
    return Database(url=url, engine=engine, sessions=sessions, _writer=writer)


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
