"""A new order's lines are promised with the promise days the stock lock reads. On PostgreSQL a
lock that had to wait rechecks the product's row as committed meanwhile: a product a catalog
import moved to another supplier while an order waited for it must still be locked and
allocated (a join to the supplier in the locking statement dropped it as an unknown SKU)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from bot.facade import Backorders
from domain.model import Catalog, Product, Supplier
from domain.services import Outcome
from storage.db import Database
from tests.support.builders import T0, delivery, minutes, order

WAIT_S = 30  # a bound for a broken test, never reached by a working one
POSTGRES_ONLY = pytest.mark.parametrize(
    "database", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def shop(database: Database) -> Backorders:
    backorders = Backorders(database, clock=lambda: T0 + minutes(30))
    backorders.import_catalog(
        Catalog(
            suppliers=(
                Supplier("Acme", "orders@acme.test", 7, 0, 14),
                Supplier("Bolt", "orders@bolt.test", 7, 0, 21),
            ),
            products=(Product("TUBE", "Tube", "Acme", 3, 1, Decimal("2.50")),),
            supplier_promises=True,
        )
    )
    return backorders


def wait_until_blocked_on_a_lock(database: Database) -> None:
    """Until some other backend waits for a row lock (the ingest behind the holder)."""
    with database.engine.connect() as probe:
        for _ in range(WAIT_S * 20):
            waiting = probe.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            ).scalar_one()
            if waiting:
                return
            probe.rollback()
            time.sleep(0.05)
    raise AssertionError("the ingest never waited for the product's lock")


@POSTGRES_ONLY
def test_a_product_moved_to_another_supplier_while_an_order_waits_for_it_is_still_allocated(
    shop: Backorders, database: Database
) -> None:
    holder = database.engine.connect()
    # What a catalog import moving TUBE from Acme to Bolt does, not yet committed.
    holder.exec_driver_sql(
        "UPDATE products SET supplier_id = (SELECT id FROM suppliers WHERE name = 'Bolt') "
        "WHERE sku = 'TUBE'"
    )
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        ingested = pool.submit(shop.ingest, delivery(order("1001", ("TUBE", 5))))
        wait_until_blocked_on_a_lock(database)
        holder.commit()
        result = ingested.result(timeout=WAIT_S)
    finally:
        holder.rollback()
        holder.close()
        pool.shutdown(wait=True)
    assert result.outcome is Outcome.APPLIED
    assert result.unplaced == ()  # TUBE is in the catalog: never an unknown SKU
    [status] = shop.order("1001")
    [line] = status.lines
    assert (line.allocated, line.waiting) == (3, 2)
    assert line.promised_by is not None
    assert shop.sku("TUBE").on_hand == 0
