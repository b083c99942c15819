"""One database transaction as the repositories see it: a Core connection, and an ORM session
on the same connection only for the code that wants one (the hot path does not)."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from storage.statements import DriverSql


class SqlTx:
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
        )

    @property
    def has_session(self) -> bool:
        return "session" in self.__dict__

    def commit(self) -> None:
        if self.has_session:
            self.session.flush()
        self.conn.commit()

    def close(self) -> None:
        if "driver" in self.__dict__:
            self.driver.cursor.close()
        if self.has_session:
            self.session.close()
        self.conn.rollback()
        self.conn.close()
