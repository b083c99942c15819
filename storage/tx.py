"""One database transaction as the repositories see it: a Core connection, and an ORM session
on the same connection only for the code that wants one (the hot path does not)."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from storage.statements import DriverSql

USE_CASE = "use_case"  # the savepoint of a use case inside a group commit


class SqlTx:
    # The session joins the transaction the connection began; it never ends it on its own.
    session_joins: Literal["conditional_savepoint", "create_savepoint"] = "conditional_savepoint"

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @cached_property
    def driver(self) -> DriverSql:
        return DriverSql(self.conn)

    @cached_property
    def session(self) -> Session:
        if not self.conn.in_transaction():
            self.conn.begin()
        return Session(
            bind=self.conn,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode=self.session_joins,
        )

    @property
    def has_session(self) -> bool:
        return "session" in self.__dict__

    def commit(self) -> None:
        if self.has_session:
            self.session.flush()
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    def close(self) -> None:
        self._close_handles()
        self.conn.rollback()
        self.conn.close()

    def _close_handles(self) -> None:
        if "driver" in self.__dict__:
            self.driver.cursor.close()
        if self.has_session:
            self.session.close()


class SavepointTx(SqlTx):
    """A use case inside a transaction it does not own (a group commit's): a savepoint that
    its commit releases and anything else rolls back; the connection stays open for the owner.
    An ORM session, if the use case wants one, is a savepoint inside it, released first.
    The savepoint is sent on the driver's cursor: SQLAlchemy's own (`begin_nested`) cost an
    order more Python than SQLite spends on it."""

    session_joins = "create_savepoint"

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.driver.cursor.execute(f"SAVEPOINT {USE_CASE}")
        self._open = True

    def commit(self) -> None:
        if self.has_session:
            self.session.commit()
        self._end(f"RELEASE SAVEPOINT {USE_CASE}")

    def rollback(self) -> None:
        self._end(f"ROLLBACK TO SAVEPOINT {USE_CASE}", f"RELEASE SAVEPOINT {USE_CASE}")

    def close(self) -> None:
        try:
            try:
                if self.has_session:
                    self.session.close()
            finally:
                self.rollback()  # whatever the session did, the use case's writes go
        finally:
            self.driver.cursor.close()

    def _end(self, *statements: str) -> None:
        if not self._open:
            return
        for statement in statements:
            self.driver.cursor.execute(statement)
        self._open = False


def commit_or_discard(conn: Connection) -> None:
    """Commit, or if the commit fails, close the connection instead of pooling it: SQLite keeps
    a transaction whose COMMIT failed (a deferred constraint, a full disk) open, write lock and
    all, and unless it is rolled back (as `SqlTx.close` does) the pool hands it to the next
    writer as it is ("cannot start a transaction within a transaction")."""
    try:
        conn.commit()
    except BaseException:
        conn.invalidate()
        raise
