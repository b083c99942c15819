"""What suppliers' buffers hold: waiting units less units on order, per product and supplier."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, case, cast, func, select

from domain.po_rules import BufferState, DemandLine, SupplierTerms
from domain.purchasing import PoStatus
from storage.chunks import id_in
from storage.models import OrderLineRow, PoLineRow, ProductRow, PurchaseOrderRow, SupplierRow
from storage.tx import SqlTx

ON_ORDER = (PoStatus.APPROVED.value, PoStatus.SENT.value)
PROPOSING = (PoStatus.PROPOSED.value, PoStatus.HELD.value)


def terms_of(row: SupplierRow) -> SupplierTerms:
    return SupplierTerms(row.id, row.name, row.email, row.lead_time_days, row.min_order_qty)


def on_order_units(statuses: tuple[str, ...] = ON_ORDER) -> Any:
    """Units per product on approved or sent POs, not yet received: the one "on order" query
    that purchasing and "to order" readers subtract from what waits (with PROPOSING: what an
    open proposal holds, which the supplier read shows apart)."""
    outstanding = case(
        (
            PoLineRow.quantity > PoLineRow.received_qty,
            PoLineRow.quantity - PoLineRow.received_qty,
        ),
        else_=0,
    )
    return (
        # SUM of a 64-bit column is NUMERIC on PostgreSQL: cast back to a whole number.
        select(PoLineRow.product_id, cast(func.sum(outstanding), BigInteger).label("units"))
        .join(PurchaseOrderRow, PurchaseOrderRow.id == PoLineRow.po_id)
        .where(PurchaseOrderRow.status.in_(statuses))
        .group_by(PoLineRow.product_id)
        .subquery()
    )


class SqlDemand:
    """The demand queries purchasing shares: the one place "uncovered" is computed."""

    tx: SqlTx

    def _waiting(self, *where: Any) -> Any:
        return (
            select(
                OrderLineRow.product_id,
                func.sum(OrderLineRow.waiting_qty).label("units"),
            )
            .where(OrderLineRow.waiting_qty > 0, *where)
            .group_by(OrderLineRow.product_id)
            .subquery()
        )

    def demand(self, supplier_id: int) -> list[DemandLine]:
        """Each product's uncovered demand for this supplier, in SQL over the waiting index."""
        return self._demand(ProductRow.supplier_id == supplier_id).get(supplier_id, [])

    def all_demand(self) -> dict[int, list[DemandLine]]:
        return self._demand()

    def _demand(self, *where: Any) -> dict[int, list[DemandLine]]:
        """Uncovered demand (waiting units less units on order) per product, by supplier."""
        waiting, on_order = self._waiting(), on_order_units()
        uncovered = waiting.c.units - func.coalesce(on_order.c.units, 0)
        stmt = (
            select(
                ProductRow.supplier_id,
                ProductRow.id,
                ProductRow.sku,
                ProductRow.name,
                uncovered,
                ProductRow.case_pack,
                ProductRow.unit_cost,
            )
            .join(waiting, waiting.c.product_id == ProductRow.id)
            .outerjoin(on_order, on_order.c.product_id == ProductRow.id)
            .where(*where)
            .order_by(ProductRow.supplier_id, ProductRow.sku)
        )
        demand: dict[int, list[DemandLine]] = {}
        for supplier_id, *fields in self.tx.session.execute(stmt):
            demand.setdefault(supplier_id, []).append(DemandLine(*fields))
        return demand

    def served(self) -> dict[int, tuple[int, datetime | None]]:
        """Per supplier: how many orders wait, and since when the oldest (one aggregate)."""
        stmt = (
            select(
                ProductRow.supplier_id,
                func.count(func.distinct(OrderLineRow.order_id)),
                func.min(OrderLineRow.placed_at),
            )
            .join(ProductRow, ProductRow.id == OrderLineRow.product_id)
            .where(OrderLineRow.waiting_qty > 0)
            .group_by(ProductRow.supplier_id)
        )
        return {sid: (int(n), oldest) for sid, n, oldest in self.tx.session.execute(stmt)}

    def served_by(self, product_ids: list[int]) -> tuple[int, datetime | None]:
        """How many orders wait for these products, and since when the oldest (the ids bound
        as one parameter: a PO may list more products than a statement may bind)."""
        if not product_ids:
            return 0, None
        products = id_in(self.tx.conn, OrderLineRow.product_id, product_ids)
        stmt = select(
            func.count(func.distinct(OrderLineRow.order_id)), func.min(OrderLineRow.placed_at)
        ).where(products, OrderLineRow.waiting_qty > 0)
        orders, oldest = self.tx.session.execute(stmt).one()
        return int(orders), oldest

    def buffers(self, of: Collection[int] | None = None) -> list[BufferState]:
        """Every supplier's uncovered demand and open proposal, from two aggregates; with `of`,
        only those suppliers' (what one order waits for reads only its suppliers' lines)."""
        if of is not None and not of:
            return []
        products, pos, suppliers = _scoped(of)
        waiting, on_order = self._waiting(*products), on_order_units()
        uncovered = waiting.c.units - func.coalesce(on_order.c.units, 0)
        per_product = (
            select(ProductRow.supplier_id, uncovered)
            .join(waiting, waiting.c.product_id == ProductRow.id)
            .outerjoin(on_order, on_order.c.product_id == ProductRow.id)
        )
        units: dict[int, int] = {}
        for supplier_id, n in self.tx.session.execute(per_product):
            units[supplier_id] = units.get(supplier_id, 0) + max(int(n), 0)
        open_pos = {
            row.supplier_id: row
            for row in self.tx.session.execute(
                select(PurchaseOrderRow).where(PurchaseOrderRow.status.in_(PROPOSING), *pos)
            ).scalars()
        }
        rows = self.tx.session.execute(
            select(SupplierRow).where(*suppliers).order_by(SupplierRow.id)
        ).scalars()
        return [_buffer(row, units.get(row.id, 0), open_pos.get(row.id)) for row in rows]

    def spare_on_order(self) -> list[tuple[str, str, int]]:
        """(PO number, SKU, units) on approved or sent POs beyond what customers still wait for."""
        waiting = self._waiting()
        outstanding = PoLineRow.quantity - PoLineRow.received_qty
        stmt = (
            select(
                PurchaseOrderRow.number,
                PoLineRow.sku,
                outstanding,
                func.coalesce(waiting.c.units, 0),
            )
            .join(PurchaseOrderRow, PurchaseOrderRow.id == PoLineRow.po_id)
            .outerjoin(waiting, waiting.c.product_id == PoLineRow.product_id)
            .where(PurchaseOrderRow.status.in_(ON_ORDER), outstanding > 0)
            .order_by(PurchaseOrderRow.id)
        )
        spare, claimed = [], {}
        for number, sku, units, wanted in self.tx.session.execute(stmt):
            left = max(int(wanted) - claimed.get(sku, 0), 0)
            claimed[sku] = claimed.get(sku, 0) + int(units)
            if units > left:
                spare.append((number, sku, int(units) - left))
        return spare


def _scoped(of: Collection[int] | None) -> tuple[tuple[Any, ...], ...]:
    """The conditions keeping waiting lines, proposals and suppliers to the suppliers `of`
    (none: every supplier)."""
    if of is None:
        return (), (), ()
    ids = sorted(of)
    theirs = select(ProductRow.id).where(ProductRow.supplier_id.in_(ids))
    return (
        (OrderLineRow.product_id.in_(theirs),),
        (PurchaseOrderRow.supplier_id.in_(ids),),
        (SupplierRow.id.in_(ids),),
    )


def _buffer(row: SupplierRow, units: int, po: PurchaseOrderRow | None) -> BufferState:
    return BufferState(
        terms_of(row),
        units,
        po.id if po else None,
        po.status if po else None,
        po.hold_until if po else None,
    )
