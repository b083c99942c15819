"""Migration 0013 on a database that already holds orders, on SQLite and PostgreSQL: the old
orders keep their number as the name people see and type, and the bot finds them by it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from domain.services import order_status
from storage.db import Database, connect
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWork
from tests.support.databases import postgres_schema_url, require_postgres

OLD_ORDER = """
INSERT INTO orders (source, external_id, number, customer, placed_at, source_updated_at,
                    received_at)
VALUES ('shopify', '820982911946154508', '1166', NULL, '2026-11-02 09:00:00',
        '2026-11-02 09:00:00', '2026-11-02 09:00:01')"""
OLD_LINE = """
INSERT INTO order_lines (order_id, line_ref, sku, product_id, name, quantity, allocated_qty,
                         waiting_qty, backordered_qty, issue, placed_at)
VALUES (1, '866550311766439020', NULL, NULL, 'Gift wrap', 1, 0, 0, 0, 'no_sku',
        '2026-11-02 09:00:00')"""


def at_0012(kind: str, tmp_path: Path) -> Database:
    if kind == "postgresql":
        require_postgres()
        database = connect(postgres_schema_url("bb_migration_0013"))
    else:
        database = connect(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(database, "0012")
    return database


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_orders_from_before_are_named_by_their_number_after_the_upgrade(
    kind: str, tmp_path: Path
) -> None:
    database = at_0012(kind, tmp_path)
    with database.engine.begin() as conn:
        conn.execute(text(OLD_ORDER))
        conn.execute(text(OLD_LINE))
    upgrade(database)
    for asked in ("1166", "#1166", "shopify:1166"):
        [order] = order_status(SqlUnitOfWork(database), asked)
        assert (order.number, order.test, order.cancelled) == ("1166", False, False)
    [line] = order.lines
    assert (line.line_ref, line.position, line.not_stock) == ("866550311766439020", None, None)
    database.engine.dispose()
