"""Id lists cut to size: one statement binds at most a few thousand parameters.

PostgreSQL refuses a statement with more than 65,535 parameters and SQLite one with more
than 32,766, so a list of ids read or written by one statement is sent in chunks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Row, Select

Item = TypeVar("Item")
CHUNK = 1000  # items per statement: a pair binds two parameters, still far inside both limits


def chunks(items: Sequence[Item], size: int = CHUNK) -> Iterator[Sequence[Item]]:
    """`items` in consecutive slices of at most `size`; none when empty."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rows_where_in(
    conn: Connection, stmt: Select[Any], column: ColumnElement[Any], ids: Sequence[Any]
) -> Iterator[Row[Any]]:
    """The rows of `stmt` whose `column` is one of `ids`, one statement per chunk."""
    for chunk in chunks(ids):
        yield from conn.execute(stmt.where(column.in_(chunk)))
