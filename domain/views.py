"""Read models: what the team is shown about SKUs, orders and suppliers. Plain data only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.model import LineIssue, NotStock
from domain.purchasing import BufferLine


@dataclass(frozen=True)
class WaitingLine:
    """A customer's order line waiting for stock."""

    order_number: str
    sku: str
    placed_at: datetime
    quantity: int
    allocated: int
    waiting: int


@dataclass(frozen=True)
class SkuStatus:
    """A product's free stock and the customers waiting for it, oldest first."""

    sku: str
    name: str
    supplier: str
    on_hand: int
    case_pack: int
    waiting_units: int
    waiting_lines: int
    oldest_waiting: tuple[WaitingLine, ...]


@dataclass(frozen=True)
class OrderLineStatus:
    """One line of an order: what came from stock, what waits, and why it could not be placed."""

    line_ref: str
    sku: str | None
    name: str
    quantity: int
    allocated: int
    waiting: int
    issue: LineIssue | None
    supplier: str | None
    cancelled_at: datetime | None = None  # when a person cancelled it (not the store)
    position: int | None = None  # 1, 2, 3... as the store lists the lines
    not_stock: NotStock | None = None  # recorded only: never stock, demand or a flag
    promised_by: datetime | None = None  # the ship-by promised when it first waited

    @property
    def cancelled(self) -> bool:
        """Cancelled on its own (by a person, or dropped by the store): none of it is ordered."""
        return self.quantity == 0 or self.cancelled_at is not None


@dataclass(frozen=True)
class OrderStatus:
    """An order as the bot knows it."""

    source: str
    external_id: str
    number: str
    customer: str | None
    placed_at: datetime
    cancelled: bool
    lines: tuple[OrderLineStatus, ...]
    test: bool = False  # a store's test order, kept apart

    @property
    def waiting_units(self) -> int:
        return sum(line.waiting for line in self.lines)


@dataclass(frozen=True)
class SupplierStatus:
    """A supplier's terms and its buffer: the draft PO its waiting lines make."""

    name: str
    email: str | None
    lead_time_days: int
    min_order_qty: int
    buffer: tuple[BufferLine, ...]
    oldest_placed_at: datetime | None

    @property
    def waiting_units(self) -> int:
        return sum(line.waiting_units for line in self.buffer)

    @property
    def to_order(self) -> int:
        """Waiting units not covered by approved or sent POs: what the next PO must buy."""
        return sum(line.to_order for line in self.buffer)

    @property
    def reaches_minimum(self) -> bool:
        return self.min_order_qty > 0 and self.to_order >= self.min_order_qty


@dataclass(frozen=True)
class SupplierBacklog:
    """One row of the overview: a supplier's open backorders."""

    supplier: str
    waiting_lines: int
    waiting_units: int
    orders: int
    oldest_placed_at: datetime


@dataclass(frozen=True)
class Overview:
    """All open backorders by supplier, oldest first, and the lines nobody could place."""

    suppliers: tuple[SupplierBacklog, ...]
    unplaced_lines: int

    @property
    def waiting_units(self) -> int:
        return sum(s.waiting_units for s in self.suppliers)


@dataclass(frozen=True)
class NewBackorder:
    """A line that started waiting since the last summary."""

    order_number: str
    sku: str
    name: str
    supplier: str
    waiting: int
    placed_at: datetime


@dataclass(frozen=True)
class UnplacedLine:
    """An order line the bot could not place: the team must look at it."""

    order_number: str
    line_ref: str
    sku: str | None
    name: str
    quantity: int
    issue: LineIssue
    position: int | None = None  # 1, 2, 3... as the store lists the lines


@dataclass(frozen=True)
class BackorderSummary:
    """What the channel hears about new backorders in one batch."""

    new_backorders: tuple[NewBackorder, ...]
    unplaced: tuple[UnplacedLine, ...]

    @property
    def waiting_units(self) -> int:
        return sum(line.waiting for line in self.new_backorders)

    @property
    def is_empty(self) -> bool:
        return not self.new_backorders and not self.unplaced


@dataclass(frozen=True)
class OpenLine:
    """One waiting order line, as the export workbook lists it."""

    order_number: str
    placed_at: datetime
    customer: str | None
    sku: str
    name: str
    supplier: str
    quantity: int
    allocated: int
    waiting: int


@dataclass(frozen=True)
class AgeBucket:
    """Open backorder lines whose order was placed so many days ago (0-3, 4-7, 8-14, 15+)."""

    label: str
    lines: int
    units: int


@dataclass(frozen=True)
class SupplierWeek:
    """One supplier in the digest: what waits, what is proposed, what is on its way."""

    supplier: str
    waiting_units: int
    open_proposal_units: int | None
    pos_in_flight: int
    late_pos: int


@dataclass(frozen=True)
class CancelledSku:
    sku: str
    lines: int
    units: int


@dataclass(frozen=True)
class Digest:
    """The weekly digest: the backlog now, its ages, per supplier, and what the week brought."""

    week_start: datetime
    week_end: datetime
    open_lines: int
    open_units: int
    open_value: Decimal
    buckets: tuple[AgeBucket, ...]
    oldest_order: str | None
    oldest_placed_at: datetime | None
    suppliers: tuple[SupplierWeek, ...]
    orders_in: int
    units_backordered: int
    pos_sent: int
    units_received: int
    cancelled: tuple[CancelledSku, ...]
    # Orders first brought by reconciliation in the week, which the stores' webhooks missed;
    # None when no store was reconciled (the job is off or no store's API is set).
    orders_reconciled: int | None = None
