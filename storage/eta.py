"""What the expected date of a waiting line is computed from, read in a few queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, tuple_

from domain.purchasing import PoStatus
from storage.models import OrderLineRow, OrderRow, PoLineRow, ProductRow, PurchaseOrderRow
from storage.tx import SqlTx

ON_ORDER = (PoStatus.APPROVED.value, PoStatus.SENT.value)


@dataclass(frozen=True)
class WaitingLineFacts:
    line_ref: str
    product_id: int
    supplier_id: int
    waiting: int
    ahead: int  # units of the same product waiting on older lines (first in, first out)


class SqlEta:
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def waiting_lines(self, order_id: int) -> list[WaitingLineFacts]:
        """The order's waiting lines, each with the units ahead of it in its product's queue."""
        mine = (
            select(OrderLineRow, ProductRow.supplier_id)
            .join(ProductRow, ProductRow.id == OrderLineRow.product_id)
            .where(OrderLineRow.order_id == order_id, OrderLineRow.waiting_qty > 0)
        )
        facts = []
        for line, supplier_id in self.tx.session.execute(mine):
            older = tuple_(OrderLineRow.placed_at, OrderLineRow.id) < tuple_(
                line.placed_at, line.id
            )
            ahead = self.tx.session.execute(
                select(func.coalesce(func.sum(OrderLineRow.waiting_qty), 0)).where(
                    OrderLineRow.product_id == line.product_id,
                    OrderLineRow.waiting_qty > 0,
                    older,
                )
            ).scalar_one()
            facts.append(
                WaitingLineFacts(
                    line.line_ref, line.product_id, supplier_id, line.waiting_qty, int(ahead)
                )
            )
        return facts

    def on_order(self, product_id: int, fallback: datetime) -> list[tuple[str, datetime, int]]:
        """(PO number, expected arrival, units still to come) of approved or sent POs."""
        outstanding = PoLineRow.quantity - PoLineRow.received_qty
        stmt = (
            select(PurchaseOrderRow.number, PurchaseOrderRow.expected_at, outstanding)
            .join(PurchaseOrderRow, PurchaseOrderRow.id == PoLineRow.po_id)
            .where(PoLineRow.product_id == product_id, PurchaseOrderRow.status.in_(ON_ORDER))
            .where(outstanding > 0)
        )
        return [
            (number or "PO", expected or fallback, int(units))
            for number, expected, units in self.tx.session.execute(stmt)
        ]

    def order_ids(self, number: str) -> list[int]:
        stmt = select(OrderRow.id).where(OrderRow.number == number).order_by(OrderRow.id)
        return list(self.tx.session.execute(stmt).scalars())
