"""Purchasing rules: a supplier's buffer of waiting units, rounded to what can be bought."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


def round_to_case(units: int, case_pack: int) -> int:
    """The smallest multiple of `case_pack` that covers `units`."""
    if units <= 0:
        return 0
    pack = max(case_pack, 1)
    return -(-units // pack) * pack


@dataclass(frozen=True)
class BufferLine:
    """One product of a supplier's buffer: what customers wait for and what would be ordered."""

    sku: str
    name: str
    waiting_units: int
    waiting_lines: int
    case_pack: int
    unit_cost: Decimal
    on_order: int = 0  # outstanding on approved or sent POs: they cover the oldest waiting
    on_proposal: int = 0  # on the open proposal: shown with it, not ordered twice

    @property
    def to_order(self) -> int:
        """Waiting units neither a PO in flight nor the open proposal covers yet."""
        return max(self.waiting_units - self.on_order - self.on_proposal, 0)

    @property
    def order_qty(self) -> int:
        return round_to_case(self.to_order, self.case_pack)

    @property
    def overage(self) -> int:
        """Units bought beyond demand because of the case pack; they go to stock on arrival."""
        return self.order_qty - self.to_order

    @property
    def cost(self) -> Decimal:
        return self.unit_cost * self.order_qty


class PoStatus(enum.StrEnum):
    """A purchase order's life: proposed (or held), approved, sent to the supplier, received."""

    PROPOSED = "proposed"
    HELD = "held"
    APPROVED = "approved"
    SENT = "sent"
    RECEIVED = "received"


OPEN_STATUSES = frozenset({PoStatus.PROPOSED, PoStatus.HELD, PoStatus.APPROVED, PoStatus.SENT})


class PoState(enum.StrEnum):
    """Where a PO stands, as the buyers say it: its status, told apart by what arrived."""

    PROPOSED = "proposed"
    HELD = "held"
    APPROVED = "approved"
    SENT = "sent"
    PARTLY_RECEIVED = "partly received"
    RECEIVED = "received"
    CLOSED = "closed"


def po_state(status: PoStatus, arrivals: Iterable[tuple[int, int]]) -> PoState:
    """The one rule: goods arrived on a PO on its way make it partly received; a received PO
    with units still outstanding was closed with the rest cancelled. `arrivals` holds each
    line's (received, outstanding)."""
    counted = list(arrivals)
    if status in (PoStatus.APPROVED, PoStatus.SENT) and any(got for got, _ in counted):
        return PoState.PARTLY_RECEIVED
    if status is PoStatus.RECEIVED and any(left for _, left in counted):
        return PoState.CLOSED
    return PoState(status.value)


@dataclass(frozen=True)
class SendingInDoubt:
    """The PO may have reached the supplier at `at` without that being recorded: a person
    checks with them before it goes again."""

    to: str
    at: datetime


@dataclass(frozen=True)
class PoLine:
    """One product on a PO: customers' demand, the quantity ordered, and its price."""

    sku: str
    name: str
    demand: int
    quantity: int
    case_pack: int
    unit_cost: Decimal
    line_id: int | None = None
    received: int = 0

    @property
    def outstanding(self) -> int:
        """Units still to come from the supplier."""
        return max(self.quantity - self.received, 0)

    @property
    def total(self) -> Decimal:
        return self.unit_cost * self.quantity

    @property
    def overage(self) -> int:
        """Units beyond demand (case packs, or raised by hand): they go to stock on arrival."""
        return max(self.quantity - self.demand, 0)

    @property
    def short(self) -> int:
        """Demand this PO leaves waiting for the next cycle (lowered by hand)."""
        return max(self.demand - self.quantity, 0)


@dataclass(frozen=True)
class PoItem:
    """A PO line as the aggregate holds it: `demand` is what it was last set for, and
    `adjusted` says a person set its quantity (0: dropped by hand, kept for the audit)."""

    product_id: int
    sku: str
    name: str
    demand: int
    quantity: int
    case_pack: int
    unit_cost: Decimal
    adjusted: bool = False
    line_id: int | None = None
    received: int = 0

    @property
    def outstanding(self) -> int:
        return max(self.quantity - self.received, 0)

    @classmethod
    def of(cls, product_id: int, line: PoLine, old: PoItem | None = None) -> PoItem:
        """A drafted line, keeping the stored line's id when the product was already on it."""
        line_id = old.line_id if old else None
        return cls(
            product_id,
            line.sku,
            line.name,
            line.demand,
            line.quantity,
            line.case_pack,
            line.unit_cost,
            line_id=line_id,
        )

    def as_line(self) -> PoLine:
        return PoLine(
            self.sku,
            self.name,
            self.demand,
            self.quantity,
            self.case_pack,
            self.unit_cost,
            self.line_id,
            self.received,
        )


@dataclass(frozen=True)
class PoDecision:
    """Who did what to a PO and when (the audit trail's last word, shown on the message)."""

    action: str
    actor: str
    at: datetime
    note: str | None = None


@dataclass(frozen=True)
class PurchaseOrderView:
    """A PO as people see it: in the channel, in the modal, in the workbook."""

    po_id: int
    version: int
    status: PoStatus
    supplier: str
    supplier_email: str | None
    lead_time_days: int
    number: str | None
    lines: tuple[PoLine, ...]
    orders_served: int
    oldest_placed_at: datetime | None
    trigger: str
    proposed_at: datetime
    decisions: tuple[PoDecision, ...] = ()
    approved_at: datetime | None = None
    sent_at: datetime | None = None
    expected_at: datetime | None = None
    hold_until: datetime | None = None
    note: str | None = None
    waiting_since_adjustment: int = 0  # units waiting beyond what a person decided
    adjusted_by: str | None = None
    in_doubt: SendingInDoubt | None = None  # set while an approved PO may have gone already

    @property
    def state(self) -> PoState:
        return po_state(self.status, ((line.received, line.outstanding) for line in self.lines))

    @property
    def received_units(self) -> int:
        return sum(line.received for line in self.lines)

    @property
    def outstanding_units(self) -> int:
        return sum(line.outstanding for line in self.lines)

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal(0))

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def overage(self) -> int:
        return sum(line.overage for line in self.lines)
