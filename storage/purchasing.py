"""Purchase orders in the database: buffers, proposals, numbers and the audit trail."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, case, cast, func, select, update

from domain.po_rules import BufferState, DemandLine, SupplierTerms
from domain.purchasing import OPEN_STATUSES, PoDecision, PoLine, PoStatus, PurchaseOrderView
from storage.models import (
    CounterRow,
    OrderLineRow,
    PoEventRow,
    PoLineRow,
    ProductRow,
    PurchaseOrderRow,
    ReceiptLineRow,
    ReceiptRow,
    SupplierRow,
)
from storage.outbox import dialect_insert
from storage.tx import SqlTx

ON_ORDER = (PoStatus.APPROVED.value, PoStatus.SENT.value)
OPEN = tuple(s.value for s in OPEN_STATUSES)
PROPOSING = (PoStatus.PROPOSED.value, PoStatus.HELD.value)
SHOWN_DECISIONS = ("raised", "approved", "adjusted", "held", "sent", "email_delayed")


def _terms(row: SupplierRow) -> SupplierTerms:
    return SupplierTerms(row.id, row.name, row.email, row.lead_time_days, row.min_order_qty)


class SqlPurchasing:
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def supplier(self, name: str) -> SupplierTerms | None:
        stmt = select(SupplierRow).where(func.lower(SupplierRow.name) == name.strip().lower())
        row = self.tx.session.execute(stmt).scalar_one_or_none()
        return _terms(row) if row else None

    def supplier_by_id(self, supplier_id: int) -> SupplierTerms:
        return _terms(self.tx.session.get_one(SupplierRow, supplier_id))

    def _on_order(self) -> Any:
        """Units per product on approved or sent POs: they will cover the oldest waiting lines."""
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
            .where(PurchaseOrderRow.status.in_(ON_ORDER))
            .group_by(PoLineRow.product_id)
            .subquery()
        )

    def _waiting(self) -> Any:
        return (
            select(
                OrderLineRow.product_id,
                func.sum(OrderLineRow.waiting_qty).label("units"),
            )
            .where(OrderLineRow.waiting_qty > 0)
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
        waiting, on_order = self._waiting(), self._on_order()
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

    def buffers(self) -> list[BufferState]:
        """Every supplier's uncovered demand and open proposal, from two aggregates."""
        waiting, on_order = self._waiting(), self._on_order()
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
                select(PurchaseOrderRow).where(PurchaseOrderRow.status.in_(PROPOSING))
            ).scalars()
        }
        suppliers = self.tx.session.execute(select(SupplierRow).order_by(SupplierRow.id)).scalars()
        return [_buffer(row, units.get(row.id, 0), open_pos.get(row.id)) for row in suppliers]

    def create_proposal(
        self, supplier_id: int, trigger: str, now: datetime, period_key: str | None = None
    ) -> int | None:
        """A new proposal; None when the supplier already has one open (another replica won)."""
        table = PurchaseOrderRow.__table__
        stmt = (
            dialect_insert(self.tx.conn.dialect.name)(table)
            .values(
                supplier_id=supplier_id,
                status=PoStatus.PROPOSED.value,
                version=1,
                trigger=trigger,
                proposed_at=now,
                period_key=period_key,
            )
            .on_conflict_do_nothing()
            .returning(table.c.id)
        )
        return self.tx.conn.execute(stmt).scalar_one_or_none()

    def lock(self, po_id: int) -> PurchaseOrderRow | None:
        stmt = select(PurchaseOrderRow).where(PurchaseOrderRow.id == po_id).with_for_update()
        return self.tx.session.execute(stmt).scalar_one_or_none()

    def open_proposal(self, supplier_id: int) -> PurchaseOrderRow | None:
        stmt = (
            select(PurchaseOrderRow)
            .where(
                PurchaseOrderRow.supplier_id == supplier_id,
                PurchaseOrderRow.status.in_(PROPOSING),
            )
            .with_for_update()
        )
        return self.tx.session.execute(stmt).scalar_one_or_none()

    def lines(self, po_id: int) -> list[PoLineRow]:
        stmt = select(PoLineRow).where(PoLineRow.po_id == po_id).order_by(PoLineRow.sku)
        return list(self.tx.session.execute(stmt).scalars())

    def replace_lines(
        self, po_id: int, lines: list[tuple[int, PoLine, bool]], new: bool = False
    ) -> None:
        """The PO's lines become exactly these (product id, line, adjusted by hand)."""
        existing = {} if new else {row.product_id: row for row in self.lines(po_id)}
        if not existing:  # a new PO: one bulk insert (the deadline raises hundreds at once)
            rows = [_line_values(po_id, pid, line, adjusted) for pid, line, adjusted in lines]
            if rows:
                self.tx.conn.execute(PoLineRow.__table__.insert(), rows)
            return
        for product_id, line, adjusted in lines:
            row = existing.pop(product_id, None) or PoLineRow(po_id=po_id, product_id=product_id)
            row.sku, row.name, row.demand, row.quantity = (
                line.sku,
                line.name,
                line.demand,
                line.quantity,
            )
            row.case_pack, row.unit_cost, row.adjusted = line.case_pack, line.unit_cost, adjusted
            self.tx.session.add(row)
        for row in existing.values():
            self.tx.session.delete(row)
        self.tx.session.flush()

    def update(self, po_id: int, **values: Any) -> None:
        self.tx.session.execute(
            update(PurchaseOrderRow).where(PurchaseOrderRow.id == po_id).values(**values)
        )

    def receive(
        self,
        po_id: int,
        quantities: dict[int, int],
        by: str,
        now: datetime,
        lead_days: float | None,
    ) -> dict[int, int]:
        """Record a receipt; returns units received per product id."""
        receipt = ReceiptRow(po_id=po_id, received_at=now, received_by=by, lead_time_days=lead_days)
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
        row = self.tx.session.get(PurchaseOrderRow, po_id)
        return po_view(self.tx, row) if row else None

    def open_views(self, supplier_id: int | None = None) -> list[PurchaseOrderView]:
        return [po_view(self.tx, row) for row in open_po_rows(self.tx, supplier_id)]

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


def _line_values(po_id: int, product_id: int, line: PoLine, adjusted: bool) -> dict[str, Any]:
    return {
        "po_id": po_id,
        "product_id": product_id,
        "sku": line.sku,
        "name": line.name,
        "demand": line.demand,
        "quantity": line.quantity,
        "case_pack": line.case_pack,
        "unit_cost": line.unit_cost,
        "adjusted": adjusted,
    }


def _buffer(row: SupplierRow, units: int, po: PurchaseOrderRow | None) -> BufferState:
    return BufferState(
        _terms(row),
        units,
        po.id if po else None,
        po.status if po else None,
        po.hold_until if po else None,
    )


def _decisions(tx: SqlTx, po_id: int) -> tuple[PoDecision, ...]:
    stmt = (
        select(PoEventRow.action, PoEventRow.actor, PoEventRow.at, PoEventRow.note)
        .where(PoEventRow.po_id == po_id, PoEventRow.action.in_(SHOWN_DECISIONS))
        .order_by(PoEventRow.id)
    )
    return tuple(PoDecision(*row) for row in tx.session.execute(stmt))


def _served(tx: SqlTx, product_ids: list[int]) -> tuple[int, datetime | None]:
    """How many orders wait for these products, and since when the oldest."""
    if not product_ids:
        return 0, None
    stmt = select(
        func.count(func.distinct(OrderLineRow.order_id)), func.min(OrderLineRow.placed_at)
    ).where(OrderLineRow.product_id.in_(product_ids), OrderLineRow.waiting_qty > 0)
    orders, oldest = tx.session.execute(stmt).one()
    return int(orders), oldest


def po_view(tx: SqlTx, row: PurchaseOrderRow) -> PurchaseOrderView:
    """A PO as people see it, read in the current transaction."""
    terms = _terms(tx.session.get_one(SupplierRow, row.supplier_id))
    rows = SqlPurchasing(tx).lines(row.id)
    orders, oldest = _served(tx, [line.product_id for line in rows])
    return PurchaseOrderView(
        po_id=row.id,
        version=row.version,
        status=PoStatus(row.status),
        supplier=terms.name,
        supplier_email=terms.email,
        lead_time_days=terms.lead_time_days,
        number=row.number,
        lines=tuple(
            PoLine(
                r.sku,
                r.name,
                r.demand,
                r.quantity,
                r.case_pack,
                r.unit_cost,
                r.id,
                received=r.received_qty,
            )
            for r in rows
        ),
        orders_served=orders,
        oldest_placed_at=oldest,
        trigger=row.trigger,
        proposed_at=row.proposed_at,
        decisions=_decisions(tx, row.id),
        approved_at=row.approved_at,
        sent_at=row.sent_at,
        expected_at=row.expected_at,
        hold_until=row.hold_until,
        note=row.note,
    )


def open_po_rows(tx: SqlTx, supplier_id: int | None = None) -> list[PurchaseOrderRow]:
    stmt = select(PurchaseOrderRow).where(PurchaseOrderRow.status.in_(OPEN))
    if supplier_id is not None:
        stmt = stmt.where(PurchaseOrderRow.supplier_id == supplier_id)
    return list(tx.session.execute(stmt.order_by(PurchaseOrderRow.proposed_at)).scalars())
