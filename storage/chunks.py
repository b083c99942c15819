"""Id lists cut to size: one statement binds at most a few thousand parameters.

PostgreSQL refuses a statement with more than 65,535 parameters and SQLite one with more
than 32,766, so a list of ids read or written by one statement is sent in chunks, or as one
parameter holding the whole list (`id_in`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Row,
    Select,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

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


def id_in(conn: Connection, column: ColumnElement[Any], ids: Sequence[int]) -> ColumnElement[bool]:
    """`column` is one of `ids`, however many, with the whole list bound as one parameter:
    an array on PostgreSQL (`= ANY`), a JSON list on SQLite (`IN json_each`). The statement's
    text does not grow with the list, so it is not parsed anew for every length either."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    listed = func.json_each(bindparam(None, json.dumps(list(ids))))
    return column.in_(select(literal_column("value")).select_from(listed))
