"""What the fake unit of work stores: the shop's suppliers, stock, waiting lines and POs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.model import LineState
from domain.po_rules import SupplierTerms
from domain.purchasing import PoItem, PoStatus


@dataclass
class ShopProduct:
    product_id: int
    sku: str
    name: str
    supplier_id: int
    on_hand: int
    case_pack: int
    unit_cost: Decimal


@dataclass
class ShopOrder:
    order_id: int
    number: str
    placed_at: datetime
    cancelled: bool = False


@dataclass
class StoredEvent:
    """One line of a PO's history, as the audit keeps it."""

    action: str
    actor: str
    at: datetime
    note: str | None = None
    after: Any = None


@dataclass
class StoredPo:
    """A PO as storage keeps it: its row, its lines (received units included) and history."""

    po_id: int
    supplier_id: int
    status: PoStatus
    version: int
    items: list[PoItem]
    trigger: str
    proposed_at: datetime
    period_key: str | None = None
    number: str | None = None
    approved_at: datetime | None = None
    approved_by: str | None = None
    sent_at: datetime | None = None
    expected_at: datetime | None = None
    hold_until: datetime | None = None
    note: str | None = None
    events: list[StoredEvent] = field(default_factory=list)


@dataclass
class Receipt:
    po_id: int
    at: datetime
    by: str
    lead_days: float | None
    submission: str | None
    units: dict[int, int]  # by PO line id


@dataclass
class Shop:
    """Everything one commit leaves behind; the outbox holds notices as the domain made them."""

    suppliers: dict[int, SupplierTerms] = field(default_factory=dict)
    products: dict[int, ShopProduct] = field(default_factory=dict)
    orders: dict[int, ShopOrder] = field(default_factory=dict)
    lines: dict[int, LineState] = field(default_factory=dict)
    pos: dict[int, StoredPo] = field(default_factory=dict)
    receipts: list[Receipt] = field(default_factory=list)
    periods: dict[str, datetime] = field(default_factory=dict)
    outbox: list[Any] = field(default_factory=list)
    po_counter: int = 0
    last_id: int = 0

    def new_id(self) -> int:
        self.last_id += 1
        return self.last_id
