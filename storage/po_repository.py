"""Purchase orders loaded and saved whole: the aggregate in, typed rows out, one load a use case."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, insert, select

from domain.po_events import remembered
from domain.po_rules import SupplierTerms
from domain.purchase_order import PurchaseOrder
from domain.purchasing import PoDecision, PoItem, PoStatus
from storage.demand import PROPOSING, terms_of
from storage.models import PoEventRow, PoLineRow, ProductRow, PurchaseOrderRow, SupplierRow
from storage.outbox import dialect_insert
from storage.tx import SqlTx


class SqlPoRepository:
    """Loads a PO with its supplier, lines and history (three reads); saves what changed."""

    tx: SqlTx

    def _lines_loaded(self) -> dict[int, dict[int | None, PoItem]]:
        """Lines per PO as loaded: a save writes only what changed and deletes what is gone."""
        return self.__dict__.setdefault("_loaded", {})

    def _held(self) -> dict[int, list[object]]:
        """The rows of each loaded PO, kept so that `save` finds them without reading again."""
        return self.__dict__.setdefault("_rows", {})

    def load(self, po_id: int, lock: bool = True) -> PurchaseOrder | None:
        """The PO, locked against other writers unless `lock` is False (a read)."""
        return self._load(PurchaseOrderRow.id == po_id, lock)

    def load_open(self, supplier_id: int) -> PurchaseOrder | None:
        """The supplier's open proposal (proposed or held), locked, if any."""
        where = (PurchaseOrderRow.supplier_id == supplier_id) & PurchaseOrderRow.status.in_(
            PROPOSING
        )
        return self._load(where, True)

    def _load(self, where: ColumnElement[bool], lock: bool) -> PurchaseOrder | None:
        session = self.tx.session
        stmt = (
            select(PurchaseOrderRow, SupplierRow)
            .join(SupplierRow, SupplierRow.id == PurchaseOrderRow.supplier_id)
            .where(where)
            .execution_options(populate_existing=True)
        )
        found = session.execute(stmt.with_for_update(of=PurchaseOrderRow) if lock else stmt)
        first = found.one_or_none()
        if first is None:
            return None
        row, supplier = first
        lines = session.execute(
            select(PoLineRow)
            .where(PoLineRow.po_id == row.id)
            .order_by(PoLineRow.sku)
            .execution_options(populate_existing=True)
        ).scalars()
        events = session.execute(
            select(PoEventRow.action, PoEventRow.actor, PoEventRow.at, PoEventRow.note)
            .add_columns(PoEventRow.after)
            .where(PoEventRow.po_id == row.id)
            .order_by(PoEventRow.id)
        ).all()
        rows = list(lines)
        items = [_item(line) for line in rows]
        self._lines_loaded()[row.id] = {item.line_id: item for item in items}
        self._held()[row.id] = [row, *rows]  # the session's identity map holds them weakly
        return _aggregate(row, terms_of(supplier), items, events)

    def create(
        self,
        terms: SupplierTerms,
        trigger: str,
        now: datetime,
        items: list[PoItem],
        period_key: str | None = None,
    ) -> PurchaseOrder | None:
        """A new proposal with its lines; None when the supplier already has one open."""
        table = PurchaseOrderRow.__table__
        values = {
            "supplier_id": terms.supplier_id,
            "status": PoStatus.PROPOSED.value,
            "version": 1,
            "trigger": trigger,
            "proposed_at": now,
            "period_key": period_key,
        }
        new_po = dialect_insert(self.tx.conn.dialect.name)(table).values(values)
        stmt = new_po.on_conflict_do_nothing().returning(table.c.id)
        po_id = self.tx.conn.execute(stmt).scalar_one_or_none()
        if po_id is None:  # another replica proposed at the same moment
            return None
        if items:  # one bulk insert: the deadline raises hundreds at once
            rows = [_line_values(po_id, item) for item in items]
            stmt = insert(PoLineRow).returning(PoLineRow.id, sort_by_parameter_order=True)
            ids = self.tx.conn.execute(stmt, rows).scalars().all()
            items = [replace(item, line_id=i) for item, i in zip(items, ids, strict=True)]
        self._lines_loaded()[po_id] = {item.line_id: item for item in items}
        return PurchaseOrder(po_id, terms, PoStatus.PROPOSED, 1, items, trigger, now)

    def catalog_skus(self, skus: set[str]) -> set[str]:
        """Which of these SKUs the catalog has."""
        stmt = select(ProductRow.sku).where(ProductRow.sku.in_(skus))
        return set(self.tx.session.execute(stmt).scalars())

    def save(self, po: PurchaseOrder) -> None:
        """The PO's row, its lines and its new events, in one flush."""
        session = self.tx.session
        row = session.get_one(PurchaseOrderRow, po.po_id)  # loaded above: no read
        row.status, row.version, row.number = po.status.value, po.version, po.number
        row.approved_at, row.approved_by = po.approved_at, po.approved_by
        row.sent_at, row.expected_at = po.sent_at, po.expected_at
        row.hold_until, row.note = po.hold_until, po.note
        loaded = self._lines_loaded().get(po.po_id, {})
        for gone in set(loaded) - {item.line_id for item in po.items}:
            session.delete(session.get_one(PoLineRow, gone))
        new = [(i, PoLineRow(**_line_values(po.po_id, item))) for i, item in _fresh(po)]
        for item in po.items:
            if item.line_id is not None and loaded.get(item.line_id) != item:
                _copy(session.get_one(PoLineRow, item.line_id), item)
        session.add_all([line for _, line in new])
        session.add_all([_event_row(po.po_id, event) for event in po.pending])
        session.flush()
        for i, line in new:
            po.items[i] = replace(po.items[i], line_id=line.id)
        self._lines_loaded()[po.po_id] = {item.line_id: item for item in po.items}
        po.history += tuple(PoDecision(e.action, e.actor, e.at, e.note) for e in po.pending)
        po.pending.clear()


def _fresh(po: PurchaseOrder) -> list[tuple[int, PoItem]]:
    return [(i, item) for i, item in enumerate(po.items) if item.line_id is None]


def _copy(line: PoLineRow, item: PoItem) -> None:
    line.sku, line.name, line.demand, line.quantity = (
        item.sku,
        item.name,
        item.demand,
        item.quantity,
    )
    line.case_pack, line.unit_cost, line.adjusted = item.case_pack, item.unit_cost, item.adjusted


def _item(line: PoLineRow) -> PoItem:
    return PoItem(
        line.product_id,
        line.sku,
        line.name,
        line.demand,
        line.quantity,
        line.case_pack,
        line.unit_cost,
        line.adjusted,
        line.id,
        line.received_qty,
    )


def _line_values(po_id: int, item: PoItem) -> dict[str, Any]:
    return {
        "po_id": po_id,
        "product_id": item.product_id,
        "sku": item.sku,
        "name": item.name,
        "demand": item.demand,
        "quantity": item.quantity,
        "case_pack": item.case_pack,
        "unit_cost": item.unit_cost,
        "adjusted": item.adjusted,
    }


def _event_row(po_id: int, event: Any) -> PoEventRow:
    def dumped(value: object) -> str | None:
        return None if value is None else json.dumps(value, default=str)

    return PoEventRow(
        po_id=po_id,
        action=event.action,
        actor=event.actor,
        at=event.at,
        note=event.note,
        before=dumped(event.before),
        after=dumped(event.after),
    )


def _aggregate(
    row: PurchaseOrderRow, terms: SupplierTerms, items: list[PoItem], events: Sequence[Row[Any]]
) -> PurchaseOrder:
    """The aggregate from its rows; who decided, what waits and a sending in doubt come from
    its history."""
    memory = remembered(
        (a, who, json.loads(after) if after else None) for a, who, *_, after in events
    )
    return PurchaseOrder(
        po_id=row.id,
        supplier=terms,
        status=PoStatus(row.status),
        version=row.version,
        items=items,
        trigger=row.trigger,
        proposed_at=row.proposed_at,
        number=row.number,
        approved_at=row.approved_at,
        approved_by=row.approved_by,
        sent_at=row.sent_at,
        expected_at=row.expected_at,
        hold_until=row.hold_until,
        note=row.note,
        decided_by=memory.decided_by,
        waiting=memory.waiting,
        in_doubt=memory.in_doubt,
        history=tuple(PoDecision(a, who, at, note) for a, who, at, note, _ in events),
    )
