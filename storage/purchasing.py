"""Purchase orders in the database: suppliers, numbers, receipts and reads of the aggregate.

Demand queries live in `storage.demand`, loading and saving a PO in `storage.po_repository`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from domain.po_rules import SupplierTerms
from domain.purchasing import OPEN_STATUSES, PurchaseOrderView
from storage.demand import ON_ORDER, PROPOSING, SqlDemand, terms_of
from storage.models import (
    CounterRow,
    PoEventRow,
    PoLineRow,
    PurchaseOrderRow,
    ReceiptLineRow,
    ReceiptRow,
    SupplierRow,
)
from storage.outbox import dialect_insert
from storage.po_repository import SqlPoRepository
from storage.tx import SqlTx

OPEN = tuple(s.value for s in OPEN_STATUSES)
__all__ = ["ON_ORDER", "OPEN", "PROPOSING", "SqlPurchasing"]


class SqlPurchasing(SqlDemand, SqlPoRepository):
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def supplier(self, name: str) -> SupplierTerms | None:
        stmt = select(SupplierRow).where(func.lower(SupplierRow.name) == name.strip().lower())
        row = self.tx.session.execute(stmt).scalar_one_or_none()
        return terms_of(row) if row else None

    def lock(self, po_id: int) -> PurchaseOrderRow | None:
        stmt = select(PurchaseOrderRow).where(PurchaseOrderRow.id == po_id).with_for_update()
        return self.tx.session.execute(stmt).scalar_one_or_none()

    def lines(self, po_id: int) -> list[PoLineRow]:
        stmt = select(PoLineRow).where(PoLineRow.po_id == po_id).order_by(PoLineRow.sku)
        return list(self.tx.session.execute(stmt).scalars())

    def update(self, po_id: int, **values: Any) -> None:
        """Receiving's status change; purchasing itself saves the aggregate (`save`)."""
        self.tx.session.execute(
            update(PurchaseOrderRow).where(PurchaseOrderRow.id == po_id).values(**values)
        )

    def submitted(self, submission: str) -> bool:
        """Was a receipt already recorded from this form submission?"""
        found = select(ReceiptRow.id).where(ReceiptRow.submission == submission)
        return self.tx.session.execute(found).first() is not None

    def receive(
        self,
        po_id: int,
        quantities: dict[int, int],
        by: str,
        now: datetime,
        lead_days: float | None,
        submission: str | None = None,
    ) -> dict[int, int]:
        """Record a receipt; returns units received per product id."""
        receipt = ReceiptRow(
            po_id=po_id,
            received_at=now,
            received_by=by,
            lead_time_days=lead_days,
            submission=submission,
        )
        self.tx.session.add(receipt)
        self.tx.session.flush()
        per_product: dict[int, int] = {}
        for row in self.lines(po_id):
            units = quantities.get(row.id, 0)
            if units:
                row.received_qty += units
                per_product[row.product_id] = per_product.get(row.product_id, 0) + units
                self.tx.session.add(
                    ReceiptLineRow(receipt_id=receipt.id, po_line_id=row.id, quantity=units)
                )
        self.tx.session.flush()
        return per_product

    def lead_times(self, supplier_id: int, last: int = 20) -> list[tuple[float, bool]]:
        """The supplier's last first-receipts: (days from sent to received, on time?)."""
        first = (
            select(ReceiptRow.po_id, func.min(ReceiptRow.received_at).label("at"))
            .group_by(ReceiptRow.po_id)
            .subquery()
        )
        stmt = (
            select(PurchaseOrderRow.sent_at, first.c.at, PurchaseOrderRow.expected_at)
            .join(first, first.c.po_id == PurchaseOrderRow.id)
            .where(PurchaseOrderRow.supplier_id == supplier_id)
            .where(PurchaseOrderRow.sent_at.is_not(None))
            .order_by(first.c.at.desc())
            .limit(last)
        )
        return [
            ((at - sent).total_seconds() / 86400, expected is None or at <= expected)
            for sent, at, expected in self.tx.session.execute(stmt)
        ]

    def next_number(self, prefix: str) -> str:
        """The next PO number; the counter row's lock makes it unique across replicas."""
        table = CounterRow.__table__
        insert = dialect_insert(self.tx.conn.dialect.name)(table).values(name="po", value=1)
        stmt = insert.on_conflict_do_update(
            index_elements=["name"], set_={"value": table.c.value + 1}
        ).returning(table.c.value)
        value = self.tx.conn.execute(stmt).scalar_one()
        return f"{prefix}{value:04d}"

    def id_of(self, number: str) -> int | None:
        """The PO numbered `number` (any case), if any."""
        stmt = select(PurchaseOrderRow.id).where(
            func.lower(PurchaseOrderRow.number) == number.lower()
        )
        return self.tx.session.execute(stmt).scalar_one_or_none()

    def view(self, po_id: int) -> PurchaseOrderView | None:
        """The PO as people see it, read in the current transaction."""
        po = self.load(po_id, lock=False)
        if po is None:
            return None
        return po.view(self.served_by([item.product_id for item in po.lines]))

    def open_views(self, supplier_id: int | None = None) -> list[PurchaseOrderView]:
        stmt = select(PurchaseOrderRow.id).where(PurchaseOrderRow.status.in_(OPEN))
        if supplier_id is not None:
            stmt = stmt.where(PurchaseOrderRow.supplier_id == supplier_id)
        ids = self.tx.session.execute(stmt.order_by(PurchaseOrderRow.proposed_at)).scalars()
        return [view for view in map(self.view, list(ids)) if view is not None]

    def record(
        self,
        po_id: int,
        action: str,
        actor: str,
        at: datetime,
        before: object = None,
        after: object = None,
        note: str | None = None,
    ) -> None:
        """One audit entry: who did what, when, and the PO before and after."""
        self.tx.session.add(
            PoEventRow(
                po_id=po_id,
                action=action,
                actor=actor,
                at=at,
                note=note,
                before=None if before is None else json.dumps(before, default=str),
                after=None if after is None else json.dumps(after, default=str),
            )
        )
        self.tx.session.flush()
