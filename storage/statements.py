"""Statements of the ingestion hot path, built once and reused.

SQLAlchemy caches compiled SQL by a statement's structure, but building a statement and its
cache key costs more than running it on SQLite. Reusing one statement object per dialect, with
values bound at execution, keeps a flash sale's orders cheap.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import DeliveryRow, OrderLineRow, OrderRow, ProductRow

deliveries = DeliveryRow.__table__
orders = OrderRow.__table__
order_lines = OrderLineRow.__table__
products = ProductRow.__table__


def _insert(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


@cache
def record_delivery(dialect: str) -> Any:
    """Insert a delivery unless its key was seen; returns its id only when new."""
    stmt = _insert(dialect)(deliveries).on_conflict_do_nothing(
        index_elements=["source", "delivery_key"]
    )
    return stmt.returning(deliveries.c.id)


@cache
def create_order(dialect: str) -> Any:
    """Insert an order unless the store's id is known; returns its id only when new."""
    stmt = _insert(dialect)(orders).on_conflict_do_nothing(index_elements=["source", "external_id"])
    return stmt.returning(orders.c.id)


LOCK_STOCK_BY_SKU = (
    select(products.c.id, products.c.sku, products.c.on_hand)
    .where(products.c.sku.in_(bindparam("skus", expanding=True)))
    .order_by(products.c.id)
    .with_for_update()
)
LOCK_STOCK_BY_ID = (
    select(products.c.id, products.c.sku, products.c.on_hand)
    .where(products.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(products.c.id)
    .with_for_update()
)
TAKE_STOCK = (
    products.update()
    .where(products.c.id == bindparam("pid"))
    .values(on_hand=products.c.on_hand - bindparam("units"))
)
INSERT_LINES = order_lines.insert()
UPDATE_LINE = (
    order_lines.update()
    .where(order_lines.c.id == bindparam("line_id"))
    .values(
        sku=bindparam("sku"),
        product_id=bindparam("product_id"),
        quantity=bindparam("quantity"),
        allocated_qty=bindparam("allocated_qty"),
        waiting_qty=bindparam("waiting_qty"),
        issue=bindparam("issue"),
    )
)
FILL_LINE = (
    order_lines.update()
    .where(order_lines.c.id == bindparam("line_id"))
    .values(allocated_qty=bindparam("allocated_qty"), waiting_qty=bindparam("waiting_qty"))
)
