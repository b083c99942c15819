"""A mistyped SKU, supplier or order line gets the catalog's near names suggested."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.facade import Backorders
from domain.errors import NotFound
from domain.model import Catalog, Product, Supplier
from storage.db import Database
from tests.support.builders import T0, delivery, minutes, order


@pytest.fixture
def shop(database: Database) -> Backorders:
    backorders = Backorders(database, clock=lambda: T0 + minutes(30))
    suppliers = ("Velo Parts Ltd", "Velocity Wheels", "Acme Cycles")
    products = (
        ("BK-PADS-DISC", "Velo Parts Ltd"),
        ("BK-PADS-RIM", "Velo Parts Ltd"),
        ("BK-RIM-700", "Velocity Wheels"),
    )
    backorders.import_catalog(
        Catalog(
            tuple(Supplier(name, None, 5, 0) for name in suppliers),
            tuple(Product(sku, sku, name, 0, 1, Decimal("1.00")) for sku, name in products),
        )
    )
    return backorders


def test_a_mistyped_sku_suggests_the_catalogs_near_skus(shop: Backorders) -> None:
    with pytest.raises(NotFound) as refused:
        shop.sku("bk-pads-disk")
    assert str(refused.value) == (
        "No product with SKU bk-pads-disk is in the catalog. Did you mean BK-PADS-DISC?"
    )


def test_a_sku_or_supplier_typed_in_another_case_is_simply_found(shop: Backorders) -> None:
    assert shop.sku("bk-pads-disc").sku == "BK-PADS-DISC"
    assert shop.supplier("velo parts LTD").name == "Velo Parts Ltd"


def test_the_start_of_a_supplier_name_suggests_the_suppliers_it_begins(shop: Backorders) -> None:
    with pytest.raises(NotFound, match=r"Did you mean Velo Parts Ltd or Velocity Wheels\?$"):
        shop.supplier("Velo")


def test_raising_a_po_for_a_mistyped_supplier_suggests_the_right_one(shop: Backorders) -> None:
    with pytest.raises(NotFound, match=r"Acme Cyclse .*Did you mean Acme Cycles\?$"):
        shop.raise_po("Acme Cyclse", "U1")


def test_nothing_close_suggests_nothing(shop: Backorders) -> None:
    with pytest.raises(NotFound) as refused:
        shop.supplier("Shimano")
    assert str(refused.value) == "No supplier called Shimano is in the catalog."


def test_cancelling_a_sku_not_on_the_order_suggests_the_orders_own_skus(shop: Backorders) -> None:
    shop.ingest(delivery(order("1001", ("BK-PADS-DISC", 1), ("BK-RIM-700", 2))))
    with pytest.raises(
        NotFound, match=r"has no line for SKU BK-PADS\. Did you mean BK-PADS-DISC\?"
    ):
        shop.cancel_order("1001", "BK-PADS")
