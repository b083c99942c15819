"""Purchase orders in memory: the `Purchasing` port over the fake unit of work's shop.

Uncovered demand is computed as `storage.demand` does (waiting units less units outstanding on
approved or sent POs), and a loaded PO learns who decided it from its history, as
`storage.po_repository` does; a PO is handed out as a fresh copy, saved back whole.
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.po_events import remembered
from domain.po_rules import BufferState, DemandLine, SupplierTerms
from domain.purchase_order import PurchaseOrder
from domain.purchasing import PoDecision, PoItem, PoStatus, PurchaseOrderView
from tests.support.fake_shop import Receipt, Shop, StoredEvent, StoredPo

if TYPE_CHECKING:
    from tests.support.fake_uow import FakeUnitOfWork

PROPOSING = (PoStatus.PROPOSED, PoStatus.HELD)
ON_ORDER = (PoStatus.APPROVED, PoStatus.SENT)
OPEN = (*PROPOSING, *ON_ORDER)


class FakePurchasing:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _shop(self) -> Shop:
        return self._uow.shop

    # demand

    def supplier(self, name: str) -> SupplierTerms | None:
        wanted = name.strip().lower()
        return next((t for t in self._shop.suppliers.values() if t.name.lower() == wanted), None)

    def _waiting(self) -> dict[int, int]:
        units: dict[int, int] = {}
        for line in self._shop.lines.values():
            if line.waiting > 0 and line.product_id is not None:
                units[line.product_id] = units.get(line.product_id, 0) + line.waiting
        return units

    def _on_order(self) -> dict[int, int]:
        units: dict[int, int] = {}
        for po in self._shop.pos.values():
            if po.status in ON_ORDER:
                for item in po.items:
                    units[item.product_id] = units.get(item.product_id, 0) + item.outstanding
        return units

    def all_demand(self) -> dict[int, list[DemandLine]]:
        on_order, demand = self._on_order(), {}
        products = sorted(self._shop.products.values(), key=lambda p: (p.supplier_id, p.sku))
        for p in products:
            waiting = self._waiting().get(p.product_id)
            if waiting is not None:
                uncovered = waiting - on_order.get(p.product_id, 0)
                line = DemandLine(p.product_id, p.sku, p.name, uncovered, p.case_pack, p.unit_cost)
                demand.setdefault(p.supplier_id, []).append(line)
        return demand

    def demand(self, supplier_id: int) -> list[DemandLine]:
        return self.all_demand().get(supplier_id, [])

    def buffers(self, of: Collection[int] | None = None) -> list[BufferState]:
        demand, result = self.all_demand(), []
        for sid, terms in sorted(self._shop.suppliers.items()):
            if of is not None and sid not in of:
                continue
            units = sum(max(d.uncovered, 0) for d in demand.get(sid, []))
            po = self._open_po(sid)
            state = (po.po_id, po.status.value, po.hold_until) if po else (None, None, None)
            result.append(BufferState(terms, units, *state))
        return result

    def _open_po(self, supplier_id: int) -> StoredPo | None:
        pos = self._shop.pos.values()
        return next(
            (p for p in pos if p.supplier_id == supplier_id and p.status in PROPOSING), None
        )

    def served_by(self, product_ids: list[int]) -> tuple[int, datetime | None]:
        shop, wanted = self._shop, set(product_ids)
        lines = [ln for ln in shop.lines.values() if ln.product_id in wanted and ln.waiting > 0]
        placed = [shop.orders[ln.order_id or 0].placed_at for ln in lines]
        return len({ln.order_id for ln in lines}), min(placed, default=None)

    def served(self) -> dict[int, tuple[int, datetime | None]]:
        result = {}
        for sid in self._shop.suppliers:
            ids = [p.product_id for p in self._shop.products.values() if p.supplier_id == sid]
            if (served := self.served_by(ids))[0]:
                result[sid] = served
        return result

    def catalog_skus(self, skus: set[str]) -> set[str]:
        return {p.sku for p in self._shop.products.values()} & skus

    def spare_on_order(self) -> list[tuple[str, str, int]]:
        waiting, claimed, spare = self._waiting(), {}, []
        for po in sorted(self._shop.pos.values(), key=lambda p: p.po_id):
            for item in po.items if po.status in ON_ORDER else []:
                left = max(waiting.get(item.product_id, 0) - claimed.get(item.sku, 0), 0)
                claimed[item.sku] = claimed.get(item.sku, 0) + item.outstanding
                if item.outstanding > left:
                    spare.append((po.number or "", item.sku, item.outstanding - left))
        return spare

    # the aggregate, loaded and saved whole

    def load(self, po_id: int, lock: bool = True) -> PurchaseOrder | None:
        stored = self._shop.pos.get(po_id)
        return None if stored is None else self._aggregate(stored)

    def load_open(self, supplier_id: int) -> PurchaseOrder | None:
        stored = self._open_po(supplier_id)
        return None if stored is None else self._aggregate(stored)

    def _aggregate(self, po: StoredPo) -> PurchaseOrder:
        memory = remembered((e.action, e.actor, e.after) for e in po.events)
        history = tuple(PoDecision(e.action, e.actor, e.at, e.note) for e in po.events)
        fields = {k: getattr(po, k) for k in ROW_FIELDS}
        return PurchaseOrder(
            po_id=po.po_id,
            supplier=self._shop.suppliers[po.supplier_id],
            items=sorted(copy.deepcopy(po.items), key=lambda item: item.sku),
            trigger=po.trigger,
            proposed_at=po.proposed_at,
            decided_by=memory.decided_by,
            waiting=memory.waiting,
            in_doubt=memory.in_doubt,
            history=history,
            **fields,
        )

    def create(
        self,
        terms: SupplierTerms,
        trigger: str,
        now: datetime,
        items: list[PoItem],
        period_key: str | None = None,
    ) -> PurchaseOrder | None:
        taken = period_key is not None and any(
            p.period_key == period_key for p in self._shop.pos.values()
        )
        if self._open_po(terms.supplier_id) is not None or taken:
            return None
        po_id = self._shop.new_id()
        items = [replace(item, line_id=self._shop.new_id()) for item in items]
        stored = StoredPo(po_id, terms.supplier_id, PoStatus.PROPOSED, 1, [], trigger, now)
        stored.items, stored.period_key = copy.deepcopy(items), period_key
        self._shop.pos[po_id] = stored
        return PurchaseOrder(po_id, terms, PoStatus.PROPOSED, 1, items, trigger, now)

    def save(self, po: PurchaseOrder) -> None:
        stored = self._shop.pos[po.po_id]
        for key in ROW_FIELDS:
            setattr(stored, key, getattr(po, key))
        po.items = [i if i.line_id else replace(i, line_id=self._shop.new_id()) for i in po.items]
        stored.items = copy.deepcopy(po.items)
        for e in po.pending:
            stored.events.append(StoredEvent(e.action, e.actor, e.at, e.note, e.after))
        po.history += tuple(PoDecision(e.action, e.actor, e.at, e.note) for e in po.pending)
        po.pending.clear()

    def next_number(self, prefix: str) -> str:
        self._shop.po_counter += 1
        return f"{prefix}{self._shop.po_counter:04d}"

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
        self._shop.pos[po_id].events.append(StoredEvent(action, actor, at, note, after))

    # reads of the PO as people see it

    def id_of(self, number: str) -> int | None:
        pos = self._shop.pos.values()
        return next((p.po_id for p in pos if (p.number or "").lower() == number.lower()), None)

    def view(self, po_id: int) -> PurchaseOrderView:
        po = self.load(po_id, lock=False)
        assert po is not None, f"no PO {po_id}"
        return po.view(self.served_by([item.product_id for item in po.lines]))

    def open_views(self, supplier_id: int | None = None) -> list[PurchaseOrderView]:
        pos = sorted(self._shop.pos.values(), key=lambda p: p.proposed_at)
        chosen = [p for p in pos if p.status in OPEN and supplier_id in (None, p.supplier_id)]
        return [self.view(p.po_id) for p in chosen]

    # receiving's row-level access

    def lock(self, po_id: int) -> StoredPo | None:
        return self._shop.pos.get(po_id)

    def lines(self, po_id: int) -> list[PoItem]:
        return sorted(self._shop.pos[po_id].items, key=lambda item: item.sku)

    def update(self, po_id: int, **values: Any) -> None:
        stored = self._shop.pos[po_id]
        for key, value in values.items():
            setattr(stored, key, PoStatus(value) if key == "status" else value)

    def submitted(self, submission: str) -> bool:
        return any(r.submission == submission for r in self._shop.receipts)

    def receive(
        self,
        po_id: int,
        quantities: dict[int, int],
        by: str,
        now: datetime,
        lead_days: float | None,
        submission: str | None = None,
    ) -> dict[int, int]:
        stored, per_product = self._shop.pos[po_id], {}
        for i, item in enumerate(stored.items):
            units = quantities.get(item.line_id or 0, 0)
            if units:
                stored.items[i] = replace(item, received=item.received + units)
                per_product[item.product_id] = per_product.get(item.product_id, 0) + units
        units = {lid: n for lid, n in quantities.items() if n}
        self._shop.receipts.append(Receipt(po_id, now, by, lead_days, submission, units))
        return per_product

    def lead_times(self, supplier_id: int, last: int = 20) -> list[tuple[float, bool]]:
        firsts: dict[int, datetime] = {}
        for r in self._shop.receipts:
            firsts[r.po_id] = min(firsts.get(r.po_id, r.at), r.at)
        pos = [self._shop.pos[pid] for pid in firsts]
        sent = [p for p in pos if p.supplier_id == supplier_id and p.sent_at is not None]
        sent.sort(key=lambda p: firsts[p.po_id], reverse=True)
        return [
            (
                (firsts[p.po_id] - p.sent_at).total_seconds() / 86400,  # type: ignore[operator]
                p.expected_at is None or firsts[p.po_id] <= p.expected_at,
            )
            for p in sent[:last]
        ]


ROW_FIELDS = (
    "status",
    "version",
    "number",
    "approved_at",
    "approved_by",
    "sent_at",
    "expected_at",
    "hold_until",
    "note",
)
