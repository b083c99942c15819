"""A PO's card counts the orders waiting for its products however many products it lists:
more than one statement may bind (PostgreSQL 65,535 parameters, SQLite 32,766)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.config import parse_config
from bot.facade import Backorders
from storage.db import Database
from storage.models import ProductRow
from storage.unit_of_work import SqlUnitOfWork
from tests.support.builders import catalog, delivery, order

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LISTED = 70_000  # products on the PO: past both databases' limits on one statement


def test_orders_waiting_for_a_po_of_seventy_thousand_products_are_counted(
    database: Database,
) -> None:
    config = parse_config({"slack": {"channel": "C0PURCHASE"}, "timezone": "UTC"})
    desk = Backorders(database, lambda: NOW, config)
    desk.import_catalog(catalog(("CHAIN", 0), ("TUBE", 0), ("BELL", 5)))
    desk.ingest(delivery(order("1001", ("CHAIN", 1), placed=NOW - timedelta(days=2))))
    desk.ingest(delivery(order("1002", ("CHAIN", 1), ("TUBE", 2), placed=NOW)))
    desk.ingest(delivery(order("1003", ("BELL", 1), placed=NOW)))  # from stock: not waiting
    with database.engine.connect() as conn:
        real = list(conn.scalars(select(ProductRow.id)))
    unknown = range(max(real) + 1, max(real) + 1 + LISTED - len(real))

    with SqlUnitOfWork(database, read_only=True) as uow:
        waiting, oldest = uow.purchasing.served_by([*real, *unknown])

    assert (waiting, oldest) == (2, NOW - timedelta(days=2))
