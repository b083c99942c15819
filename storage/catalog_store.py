"""Catalog persistence: suppliers and products upserted by name and SKU in a few statements."""

from __future__ import annotations

from sqlalchemy import select, update

from domain.model import Catalog
from storage.models import OrderLineRow, ProductRow, SupplierRow
from storage.tx import SqlTx


class SqlCatalogStore:
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def upsert(self, catalog: Catalog) -> tuple[int, int]:
        supplier_ids = self._upsert_suppliers(catalog)
        existing = {
            sku: pid for sku, pid in self.tx.session.execute(select(ProductRow.sku, ProductRow.id))
        }
        new, changed = [], []
        for product in catalog.products:
            values = {
                "sku": product.sku,
                "name": product.name,
                "supplier_id": supplier_ids[product.supplier.casefold()],
                "on_hand": product.on_hand,
                "case_pack": product.case_pack,
                "unit_cost": product.unit_cost,
            }
            if catalog.product_promises:
                values["promise_days"] = product.promise_days
            if product.sku in existing:
                changed.append(values | {"id": existing[product.sku]})
            else:
                new.append(values)
        if new:
            self.tx.session.execute(ProductRow.__table__.insert(), new)
        if changed:
            self.tx.session.execute(update(ProductRow), changed)
        return len(new), len(changed)

    def _upsert_suppliers(self, catalog: Catalog) -> dict[str, int]:
        rows = self.tx.session.execute(select(SupplierRow)).scalars().all()
        by_name = {row.name.casefold(): row for row in rows}
        for supplier in catalog.suppliers:
            row = by_name.get(supplier.name.casefold())
            if row is None:
                row = SupplierRow(name=supplier.name)
                self.tx.session.add(row)
                by_name[supplier.name.casefold()] = row
            row.email = supplier.email
            row.lead_time_days = supplier.lead_time_days
            row.min_order_qty = supplier.min_order_qty
            if catalog.supplier_promises:
                row.promise_days = supplier.promise_days
        self.tx.session.flush()
        return {key: row.id for key, row in by_name.items()}

    def product_ids_with_stock(self) -> list[int]:
        waiting = select(OrderLineRow.product_id).where(OrderLineRow.waiting_qty > 0)
        stmt = select(ProductRow.id).where(ProductRow.on_hand > 0, ProductRow.id.in_(waiting))
        return list(self.tx.session.execute(stmt).scalars())
