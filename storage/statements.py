"""The ingestion hot path as plain SQL on the driver's cursor.

A flash sale sends hundreds of orders a second, each a handful of statements. SQLAlchemy's
per-statement Python work cost more than SQLite running them, so these few statements skip it:
written once in the SQL both SQLite (3.35+) and PostgreSQL accept, with the driver's own
parameter style, inside the same transaction the unit of work opened through SQLAlchemy.
Everything else goes through SQLAlchemy as usual. Tests run these on both databases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
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
CREATE_ORDER = """
INSERT INTO orders
  (source, external_id, number, order_number, is_test, stage, customer, customer_email,
   customer_first_name, placed_at, source_updated_at, received_at, cancelled_at)
VALUES (:source, :external_id, :number, :order_number, :is_test, :stage, :customer,
        :customer_email, :customer_first_name, :placed_at, :source_updated_at, :received_at,
        :cancelled_at)
ON CONFLICT (source, external_id) DO NOTHING
RETURNING id"""
# Locks are taken in product id order, so two orders sharing SKUs never deadlock.
LOCK_STOCK = "SELECT id, sku, on_hand FROM products WHERE {column} IN ({keys}) ORDER BY id"
TAKE_STOCK = "UPDATE products SET on_hand = on_hand - :units WHERE id = :pid"
INSERT_LINE = """
INSERT INTO order_lines
  (order_id, line_ref, sku, product_id, name, quantity, allocated_qty, waiting_qty,
   backordered_qty, issue, placed_at, position, not_stock)
VALUES (:order_id, :line_ref, :sku, :product_id, :name, :quantity, :allocated_qty, :waiting_qty,
        :backordered_qty, :issue, :placed_at, :position, :not_stock)"""
UPDATE_LINE = """
UPDATE order_lines SET sku = :sku, product_id = :product_id, quantity = :quantity,
  allocated_qty = :allocated_qty, waiting_qty = :waiting_qty,
  backordered_qty = :backordered_qty, issue = :issue, cancelled_at = :cancelled_at,
  position = :position, not_stock = :not_stock
WHERE id = :line_id"""
FILL_LINE = """
UPDATE order_lines SET allocated_qty = :allocated_qty, waiting_qty = :waiting_qty
WHERE id = :line_id"""
UNPROMISED = """
SELECT l.id, l.line_ref, l.placed_at, p.promise_days, s.promise_days
FROM order_lines l
JOIN products p ON p.id = l.product_id
JOIN suppliers s ON s.id = p.supplier_id
WHERE l.order_id = :order_id AND l.waiting_qty > 0 AND l.promised_by IS NULL"""
SAVE_PROMISE = """
UPDATE order_lines SET promised_by = :promised_by, promise_source = :promise_source
WHERE id = :line_id"""

_NAMED = re.compile(r":(\w+)")


@cache
def _for_driver(sql: str, dialect: str) -> str:
    """`:name` parameters in the driver's style (psycopg wants `%(name)s`)."""
    return _NAMED.sub(r"%(\1)s", sql) if dialect == "postgresql" else sql


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

    def lock_stock(self, column: str, keys: Iterable[object]) -> list[tuple[int, str, int]]:
        wanted = sorted(set(keys))  # type: ignore[type-var]
        if not wanted:
            return []
        sql = _lock_stock_sql(column, len(wanted), self.dialect)
        self.cursor.execute(sql, {f"k{i}": key for i, key in enumerate(wanted)})
        return [(int(pid), str(sku), int(on_hand)) for pid, sku, on_hand in self.cursor.fetchall()]
