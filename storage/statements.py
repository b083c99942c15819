"""The ingestion hot path as plain SQL on the driver's cursor.

A flash sale sends hundreds of orders a second, each a handful of statements. SQLAlchemy's
per-statement Python work cost more than SQLite running them, so these few statements skip it:
written once in the SQL both SQLite (3.35+) and PostgreSQL accept, with the driver's own
parameter style, inside the same transaction the unit of work opened through SQLAlchemy; a
statement over many rows (`Rows`) has one text for each database, so it is one round trip.
Everything else goes through SQLAlchemy as usual. Tests run these on both databases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection

RECORD_DELIVERY = """
INSERT INTO deliveries
  (source, delivery_key, topic, order_external_id, order_updated_at, received_at, outcome)
VALUES (:source, :delivery_key, :topic, :order_external_id, :order_updated_at, :received_at,
        'applied')
ON CONFLICT (source, delivery_key) DO NOTHING
RETURNING id"""
# The columns an order is created with, and their types for the casts below.
_ORDER_TYPES = {
    "source": "text",
    "external_id": "text",
    "number": "text",
    "order_number": "text",
    "is_test": "boolean",
    "stage": "integer",
    "customer": "text",
    "customer_email": "text",
    "customer_first_name": "text",
    "placed_at": "timestamp",
    "source_updated_at": "timestamp",
    "received_at": "timestamp",
    "cancelled_at": "timestamp",
}
_CREATED_ORDER = f"""
INSERT INTO orders ({", ".join(_ORDER_TYPES)})
{{values}}
ON CONFLICT (source, external_id) DO NOTHING
RETURNING id"""
CREATE_ORDER = _CREATED_ORDER.format(values=f"VALUES (:{', :'.join(_ORDER_TYPES)})")
# PostgreSQL: RECORD_DELIVERY, then CREATE_ORDER only if the delivery is new, as one statement
# (the casts type its values, which a SELECT cannot take from the columns as VALUES does).
_CAST_ORDER = ", ".join(f"CAST(:{name} AS {kind})" for name, kind in _ORDER_TYPES.items())
_CREATE_IF_DELIVERED = _CREATED_ORDER.format(
    values=f"SELECT {_CAST_ORDER} WHERE EXISTS (SELECT 1 FROM delivered)"
)
RECORD_AND_CREATE_ORDER = f"""
WITH delivered AS ({RECORD_DELIVERY}
), created AS ({_CREATE_IF_DELIVERED})
SELECT (SELECT id FROM delivered), (SELECT id FROM created)"""
# Locks are taken in product id order, so two orders sharing SKUs never deadlock.
# With each product its catalog's promise days, so a new order's lines are promised before they
# are stored. The supplier's days are a subquery, never a join: a PostgreSQL lock that waited
# rechecks its row as committed meanwhile, and a join would drop a product an import moved to
# another supplier, as if it were not in the catalog. Only products are locked.
LOCK_STOCK = (
    "SELECT p.id, p.sku, p.on_hand, p.promise_days, "
    "(SELECT s.promise_days FROM suppliers s WHERE s.id = p.supplier_id) "
    "FROM products p WHERE p.{column} IN ({keys}) ORDER BY p.id"
)
UPDATE_LINE = """
UPDATE order_lines SET sku = :sku, product_id = :product_id, quantity = :quantity,
  allocated_qty = :allocated_qty, waiting_qty = :waiting_qty,
  backordered_qty = :backordered_qty, issue = :issue, cancelled_at = :cancelled_at,
  position = :position, not_stock = :not_stock
WHERE id = :line_id"""
UNPROMISED = """
SELECT l.id, l.line_ref, l.placed_at, p.promise_days, s.promise_days
FROM order_lines l
JOIN products p ON p.id = l.product_id
JOIN suppliers s ON s.id = p.supplier_id
WHERE l.order_id = :order_id AND l.waiting_qty > 0 AND l.promised_by IS NULL"""


@dataclass(frozen=True)
class Rows:
    """A statement over many rows at once, in one round trip on either database.

    SQLite runs `sqlite` once per row (an executemany: no network, the statement prepared
    once). PostgreSQL runs `postgresql` once: each of `columns` goes as one array parameter,
    and `unnest` turns the arrays back into rows, so 20,000 rows are one statement of a few
    parameters, whose text is the same for any number of rows (psycopg parses it once and
    prepares it on the server after a few uses).
    """

    sqlite: str
    postgresql: str
    columns: tuple[str, ...]


def _unnest(types: dict[str, str]) -> str:
    arrays = ", ".join(f"%({name})s::{kind}[]" for name, kind in types.items())
    return f"unnest({arrays}) AS v({', '.join(types)})"


_LINE_TYPES = {
    "order_id": "integer",
    "line_ref": "text",
    "sku": "text",
    "product_id": "integer",
    "name": "text",
    "quantity": "integer",
    "allocated_qty": "integer",
    "waiting_qty": "integer",
    "backordered_qty": "integer",
    "issue": "text",
    "placed_at": "timestamp",
    "position": "integer",
    "not_stock": "text",
    "promised_by": "timestamp",
    "promise_source": "text",
}
_LINE_COLUMNS = ", ".join(_LINE_TYPES)
INSERT_LINES = Rows(
    f"INSERT INTO order_lines ({_LINE_COLUMNS}) VALUES (:{', :'.join(_LINE_TYPES)})",
    f"INSERT INTO order_lines ({_LINE_COLUMNS}) SELECT * FROM {_unnest(_LINE_TYPES)}",
    tuple(_LINE_TYPES),
)
TAKE_STOCK = Rows(
    "UPDATE products SET on_hand = on_hand - :units WHERE id = :pid",
    "UPDATE products SET on_hand = on_hand - v.units "
    f"FROM {_unnest({'pid': 'integer', 'units': 'integer'})} WHERE products.id = v.pid",
    ("pid", "units"),
)
FILL_LINES = Rows(
    "UPDATE order_lines SET allocated_qty = :allocated_qty, waiting_qty = :waiting_qty "
    "WHERE id = :line_id",
    "UPDATE order_lines SET allocated_qty = v.allocated_qty, waiting_qty = v.waiting_qty FROM "
    f"{_unnest({'line_id': 'integer', 'allocated_qty': 'integer', 'waiting_qty': 'integer'})} "
    "WHERE order_lines.id = v.line_id",
    ("line_id", "allocated_qty", "waiting_qty"),
)
SAVE_PROMISES = Rows(
    "UPDATE order_lines SET promised_by = :promised_by, promise_source = :promise_source "
    "WHERE id = :line_id",
    "UPDATE order_lines SET promised_by = v.promised_by, promise_source = v.promise_source FROM "
    f"{_unnest({'line_id': 'integer', 'promised_by': 'timestamp', 'promise_source': 'text'})} "
    "WHERE order_lines.id = v.line_id",
    ("line_id", "promised_by", "promise_source"),
)

_NAMED = re.compile(r":(\w+)")


@cache
def _for_driver(sql: str, dialect: str) -> str:
    """`:name` parameters in the driver's style (psycopg wants `%(name)s`)."""
    return _NAMED.sub(r"%(\1)s", sql) if dialect == "postgresql" else sql


@cache
def _together(first: str, then: str) -> str:
    return f"WITH earlier AS ({first}) {then}"


@cache
def _lock_stock_sql(column: str, count: int, dialect: str) -> str:
    keys = ", ".join(f":k{i}" for i in range(count))
    sql = LOCK_STOCK.format(column=column, keys=keys)
    return _for_driver(sql + (" FOR UPDATE" if dialect == "postgresql" else ""), dialect)


class DriverSql:
    """Runs the hot-path statements on the DBAPI cursor of an open SQLAlchemy transaction."""

    def __init__(self, conn: Connection) -> None:
        if not conn.in_transaction():
            conn.begin()  # BEGIN (IMMEDIATE on SQLite) through SQLAlchemy, as everywhere
        self.dialect = conn.dialect.name
        self.cursor = conn.connection.cursor()

    def time(self, moment: datetime | None) -> Any:
        """A UTC datetime as the column stores it (see storage.models.UtcDateTime).

        On SQLite that is SQLAlchemy's text format, `2026-11-27 10:00:00.000000`: the FIFO
        ranking compares these strings, so the format must match to the character.
        """
        if moment is None:
            return None
        naive = moment.astimezone(UTC).replace(tzinfo=None)
        if self.dialect == "sqlite":
            return naive.isoformat(sep=" ", timespec="microseconds")
        return naive

    def read_time(self, stored: Any) -> datetime:
        """A NOT NULL column's UTC datetime read back aware, as storage.models.UtcDateTime does."""
        if isinstance(stored, str):  # SQLite keeps the text `time` wrote
            stored = datetime.fromisoformat(stored)
        return stored.replace(tzinfo=UTC)

    def rows(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        self.cursor.execute(_for_driver(sql, self.dialect), params)
        return [tuple(row) for row in self.cursor.fetchall()]

    def returning_id(self, sql: str, params: Mapping[str, Any]) -> int | None:
        self.cursor.execute(_for_driver(sql, self.dialect), params)
        row = self.cursor.fetchone()
        return None if row is None else int(row[0])

    def execute_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self.cursor.executemany(_for_driver(sql, self.dialect), rows)

    def execute_rows(self, statement: Rows, rows: Sequence[Mapping[str, Any]]) -> None:
        """`statement` over all `rows`: one statement on PostgreSQL, one executemany on SQLite."""
        if not rows:
            return
        if self.dialect == "postgresql":
            arrays = {column: [row[column] for row in rows] for column in statement.columns}
            self.cursor.execute(statement.postgresql, arrays)
        else:
            self.cursor.executemany(statement.sqlite, rows)

    def execute_together(
        self,
        first: Rows,
        first_rows: Sequence[Mapping[str, Any]],
        then: Rows,
        then_rows: Sequence[Mapping[str, Any]],
    ) -> None:
        """Both statements over their rows; on PostgreSQL in one round trip (the first as a
        data-modifying WITH, which runs to completion whatever the second does)."""
        if self.dialect != "postgresql" or not first_rows or not then_rows:
            self.execute_rows(first, first_rows)
            self.execute_rows(then, then_rows)
            return
        arrays = {column: [row[column] for row in first_rows] for column in first.columns}
        arrays |= {column: [row[column] for row in then_rows] for column in then.columns}
        if len(arrays) != len(first.columns) + len(then.columns):  # one would hide the other
            raise ValueError("statements run together must not share a parameter name")
        self.cursor.execute(_together(first.postgresql, then.postgresql), arrays)

    def lock_stock(self, column: str, keys: Iterable[object]) -> list[tuple[Any, ...]]:
        """Each product's id, SKU, free stock and promise days (its own, its supplier's)."""
        wanted = sorted(set(keys))  # type: ignore[type-var]
        if not wanted:
            return []
        sql = _lock_stock_sql(column, len(wanted), self.dialect)
        self.cursor.execute(sql, {f"k{i}": key for i, key in enumerate(wanted)})
        return self.cursor.fetchall()
