"""What the journey page, the customer's choices and the backorder feed read and write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from domain.customer_choices import OrderForChoice
from domain.journey import CustomerLine, CustomerOrder
from storage.eta import ON_ORDER
from storage.models import (
    CustomerChoiceRow,
    OrderLineRow,
    OrderRow,
    PoLineRow,
    ProductRow,
    PurchaseOrderRow,
    SupplierRow,
)
from storage.tx import SqlTx
from storage.unit_of_work import SqlUnitOfWork


@dataclass(frozen=True)
class BackorderedProduct:
    """A product customers wait for now: no order, no customer, only the product."""

    sku: str
    name: str
    supplier_id: int
    waiting: int
    lead_time_days: int
    on_order: int  # units on approved or sent POs still to come
    first_due: datetime | None  # the soonest of those POs' expected arrivals


class SqlJourney:
    """The customer's view of one order, and their answers to it."""

    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def customer_order(self, order_id: int) -> CustomerOrder | None:
        """The order as its customer may see it: first name, lines, nothing else personal."""
        order = self.tx.session.execute(
            select(
                OrderRow.number,
                OrderRow.customer_first_name,
                OrderRow.placed_at,
                OrderRow.cancelled_at,
                OrderRow.notices_opt_out_at,
                OrderRow.is_test,
            ).where(OrderRow.id == order_id)
        ).one_or_none()
        if order is None:
            return None
        lines = self.tx.session.execute(
            select(
                func.coalesce(func.nullif(OrderLineRow.name, ""), OrderLineRow.sku, "Item"),
                OrderLineRow.quantity,
                OrderLineRow.allocated_qty,
                OrderLineRow.waiting_qty,
                OrderLineRow.backordered_qty,
                OrderLineRow.cancelled_at,
                OrderLineRow.promised_by,
                OrderLineRow.line_ref,
            )
            .where(OrderLineRow.order_id == order_id, OrderLineRow.not_stock.is_(None))
            .order_by(OrderLineRow.position, OrderLineRow.id)
        )
        return CustomerOrder(
            number=order.number,
            first_name=order.customer_first_name,
            placed_at=order.placed_at,
            cancelled=order.cancelled_at is not None,
            lines=tuple(_line(*row) for row in lines),
            opted_out=order.notices_opt_out_at is not None,
            test=order.is_test,
        )

    def choices(self, order_id: int) -> frozenset[str]:
        """What the customer answered before (keep_waiting, cancel, opt_out)."""
        rows = self.tx.session.execute(
            select(CustomerChoiceRow.choice).where(CustomerChoiceRow.order_id == order_id)
        )
        return frozenset(choice for (choice,) in rows)

    def lock_order(self, order_id: int) -> OrderForChoice | None:
        row = self.tx.session.execute(
            select(OrderRow.number, OrderRow.placed_at, OrderRow.cancelled_at)
            .where(OrderRow.id == order_id)
            .with_for_update()
        ).one_or_none()
        if row is None:
            return None
        return OrderForChoice(row.number, row.placed_at, row.cancelled_at is not None)

    def skus(self, order_id: int) -> list[str]:
        rows = self.tx.session.execute(
            select(OrderLineRow.sku).where(
                OrderLineRow.order_id == order_id, OrderLineRow.sku.is_not(None)
            )
        )
        return sorted({sku for (sku,) in rows})

    def chosen(self, order_id: int, choice: str) -> bool:
        found = self.tx.session.execute(
            select(CustomerChoiceRow.id)
            .where(CustomerChoiceRow.order_id == order_id, CustomerChoiceRow.choice == choice)
            .limit(1)
        ).first()
        return found is not None

    def record(self, order_id: int, choice: str, at: datetime, fingerprint: str) -> None:
        self.tx.session.add(
            CustomerChoiceRow(
                order_id=order_id, choice=choice, at=at, token_fingerprint=fingerprint
            )
        )

    def opt_out(self, order_id: int, at: datetime) -> None:
        order = self.tx.session.get(OrderRow, order_id)
        if order is not None and order.notices_opt_out_at is None:
            order.notices_opt_out_at = at


class LaterJourney(SqlJourney):
    """The same, on a unit of work's transaction once the use case has opened it."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    @property  # type: ignore[override]
    def tx(self) -> SqlTx:
        return self._uow.tx


def backordered_products(tx: SqlTx) -> list[BackorderedProduct]:
    """Products with units waiting now, and what POs bring: one query, no order or customer."""
    outstanding = PoLineRow.quantity - PoLineRow.received_qty
    on_order = (
        select(
            PoLineRow.product_id,
            func.sum(outstanding).label("units"),
            func.min(PurchaseOrderRow.expected_at).label("due"),
        )
        .join(PurchaseOrderRow, PurchaseOrderRow.id == PoLineRow.po_id)
        .where(PurchaseOrderRow.status.in_(ON_ORDER), outstanding > 0)
        .group_by(PoLineRow.product_id)
        .subquery()
    )
    rows = tx.session.execute(
        select(
            ProductRow.sku,
            ProductRow.name,
            ProductRow.supplier_id,
            func.sum(OrderLineRow.waiting_qty),
            SupplierRow.lead_time_days,
            func.coalesce(func.max(on_order.c.units), 0),
            func.min(on_order.c.due),
        )
        .join(ProductRow, ProductRow.id == OrderLineRow.product_id)
        .join(SupplierRow, SupplierRow.id == ProductRow.supplier_id)
        .outerjoin(on_order, on_order.c.product_id == ProductRow.id)
        .where(OrderLineRow.waiting_qty > 0)
        .group_by(ProductRow.id, ProductRow.sku, ProductRow.name, SupplierRow.lead_time_days)
        .order_by(ProductRow.sku)
    )
    return [BackorderedProduct(*row[:5], int(row[5]), row[6]) for row in rows]


def _line(
    name: str,
    quantity: int,
    allocated: int,
    waiting: int,
    backordered: int,
    cancelled_at: datetime | None,
    promised_by: datetime | None,
    line_ref: str,
) -> CustomerLine:
    cancelled = cancelled_at is not None or quantity == 0
    return CustomerLine(
        name, quantity, allocated, waiting, backordered, cancelled, promised_by, line_ref
    )
