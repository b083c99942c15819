"""What the expected date of a waiting line is computed from, read in a few queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, tuple_
from sqlalchemy.orm import aliased

from domain.purchasing import PoStatus
from storage.models import OrderLineRow, OrderRow, PoLineRow, ProductRow, PurchaseOrderRow
from storage.order_names import orders_named
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
        """The order's waiting lines, each with the units ahead of it in its product's queue
        (one statement, however many lines: the units ahead are a subquery per line)."""
        older = aliased(OrderLineRow)
        ahead = (
            select(func.coalesce(func.sum(older.waiting_qty), 0))
            .where(
                older.product_id == OrderLineRow.product_id,
                older.waiting_qty > 0,
                tuple_(older.placed_at, older.id) < tuple_(OrderLineRow.placed_at, OrderLineRow.id),
            )
            .scalar_subquery()
        )
        mine = (
            select(
                OrderLineRow.line_ref,
                OrderLineRow.product_id,
                ProductRow.supplier_id,
                OrderLineRow.waiting_qty,
                ahead,
            )
            .join(ProductRow, ProductRow.id == OrderLineRow.product_id)
            .where(OrderLineRow.order_id == order_id, OrderLineRow.waiting_qty > 0)
        )
        return [
            WaitingLineFacts(ref, product, supplier, waiting, int(units))
            for ref, product, supplier, waiting, units in self.tx.session.execute(mine)
        ]

    def on_order(self, product_id: int, fallback: datetime) -> list[tuple[str, datetime, int]]:
        """(PO number, expected arrival, units still to come) of approved or sent POs."""
        where = PoLineRow.product_id == product_id
        return _on_order(self.tx, fallback, where).get(product_id, [])

    def order_ids(self, number: str) -> list[int]:
        return orders_named(self.tx.session, number)


@dataclass(frozen=True)
class QueuedLine:
    """A waiting line in its product's first-in, first-out queue."""

    line_id: int
    order_number: str
    sku: str
    product_id: int
    supplier_id: int
    waiting: int
    ahead: int
    first_expected_at: datetime | None
    promised_by: datetime | None = None


class SqlEtaAll:
    """Every waiting line's queue position and every product's POs, in two queries."""

    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def queue(self) -> list[QueuedLine]:
        running = func.sum(OrderLineRow.waiting_qty).over(
            partition_by=OrderLineRow.product_id,
            order_by=(OrderLineRow.placed_at, OrderLineRow.id),
        )
        stmt = (
            select(
                OrderLineRow.id,
                OrderRow.number,
                OrderLineRow.sku,
                OrderLineRow.product_id,
                ProductRow.supplier_id,
                OrderLineRow.waiting_qty,
                running,
                OrderLineRow.first_expected_at,
                OrderLineRow.promised_by,
            )
            .join(OrderRow, OrderRow.id == OrderLineRow.order_id)
            .join(ProductRow, ProductRow.id == OrderLineRow.product_id)
            .where(OrderLineRow.waiting_qty > 0)
        )
        rows = self.tx.session.execute(stmt)
        return [
            QueuedLine(lid, number, sku, pid, sid, waiting, int(total) - waiting, first, promised)
            for lid, number, sku, pid, sid, waiting, total, first, promised in rows
        ]

    def on_order(self, fallback: datetime) -> dict[int, list[tuple[str, datetime, int]]]:
        return _on_order(self.tx, fallback)

    def remember_first(self, firsts: list[tuple[int, datetime]]) -> None:
        """Store the first expected date of lines that had none."""
        rows = [{"line_id": line, "at": at} for line, at in firsts]
        if rows:
            table = OrderLineRow.__table__
            stmt = (
                table.update()
                .where(table.c.id == bindparam("line_id"))
                .values(first_expected_at=bindparam("at"))
            )
            self.tx.conn.execute(stmt, rows)


def _on_order(
    tx: SqlTx, fallback: datetime, *where: Any
) -> dict[int, list[tuple[str, datetime, int]]]:
    """Per product: (PO number, expected arrival, units still to come) of approved or sent
    POs; `fallback` stands in for an expected date not yet known."""
    outstanding = PoLineRow.quantity - PoLineRow.received_qty
    stmt = (
        select(
            PoLineRow.product_id, PurchaseOrderRow.number, PurchaseOrderRow.expected_at, outstanding
        )
        .join(PurchaseOrderRow, PurchaseOrderRow.id == PoLineRow.po_id)
        .where(PurchaseOrderRow.status.in_(ON_ORDER), outstanding > 0, *where)
    )
    pos: dict[int, list[tuple[str, datetime, int]]] = {}
    for pid, number, expected, units in tx.session.execute(stmt):
        pos.setdefault(pid, []).append((number or "PO", expected or fallback, int(units)))
    return pos
