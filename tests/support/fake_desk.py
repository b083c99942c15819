"""A hand-written desk for listener tests: it answers with what the test set, records every
call, and refuses as the domain does (`NotAllowed` for non-approvers, else `refuse_with`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from domain.purchase_orders import Actor, NotAllowed
from domain.purchasing import PoDecision, PoLine, PoStatus, PurchaseOrderView
from domain.views import OrderStatus

NOW = datetime(2026, 11, 27, 9, 5, tzinfo=UTC)


def po_view(
    po_id: int = 7,
    version: int = 3,
    status: PoStatus = PoStatus.PROPOSED,
    number: str | None = None,
    decisions: tuple[PoDecision, ...] = (),
) -> PurchaseOrderView:
    """Velo Parts' proposal: 24 inner tubes (line 11) and 6 disc pads (line 12)."""
    return PurchaseOrderView(
        po_id=po_id,
        version=version,
        status=status,
        supplier="Velo Parts Ltd",
        supplier_email=None,
        lead_time_days=5,
        number=number,
        lines=(
            PoLine("BK-TUBE-700", "Inner tube", 13, 24, 12, Decimal("3.45"), 11),
            PoLine("BK-PADS-DISC", "Disc brake pads", 3, 6, 6, Decimal("7.15"), 12),
        ),
        orders_served=2,
        oldest_placed_at=NOW,
        trigger="raise",
        proposed_at=NOW,
        decisions=decisions,
    )


@dataclass(frozen=True)
class Receipt:
    """What `receive_po` answers the listener: the orders that can ship."""

    ready: tuple[OrderStatus, ...] = ()


@dataclass
class FakeDesk:
    """The methods the listeners in handlers/ call, and no storage behind them."""

    pos: dict[int, PurchaseOrderView] = field(default_factory=lambda: {7: po_view()})
    answer: PurchaseOrderView = field(default_factory=po_view)
    refuse_with: Exception | None = None
    refusals: dict[int, str] = field(default_factory=dict)
    receipt: Receipt = field(default_factory=Receipt)
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    deadline_text: str = "Fri 15:00 (Europe/London)"
    channel: str = "C0PURCHASE"
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))

    def _decide(self, name: str, *args: Any) -> Any:
        self.calls.append((name, args))
        actor = next((a for a in args if isinstance(a, Actor)), None)
        if actor is not None and not actor.is_approver:
            raise NotAllowed("Only approvers can do that.")
        if self.refuse_with is not None:
            raise self.refuse_with
        return self.answer

    def now(self) -> datetime:
        return NOW

    def channel_link(self) -> str:
        return f"<#{self.channel}>"

    def approve_po(self, po_id: int, version: int, actor: Actor) -> PurchaseOrderView:
        return self._decide("approve_po", po_id, version, actor)

    def hold_po(self, po_id: int, version: int, actor: Actor) -> PurchaseOrderView:
        return self._decide("hold_po", po_id, version, actor)

    def take_in_po(self, po_id: int, version: int, actor: Actor) -> PurchaseOrderView:
        return self._decide("take_in_po", po_id, version, actor)

    def adjust_po(
        self, po_id: int, version: int, quantities: dict[int, int], note: str | None, actor: Actor
    ) -> PurchaseOrderView:
        return self._decide("adjust_po", po_id, version, quantities, note, actor)

    def adjust_refusals(self, po_id: int, named: dict[int, str]) -> dict[int, str]:
        self.calls.append(("adjust_refusals", (po_id, named)))
        return self.refusals

    def raise_po(self, supplier: str, user: str) -> PurchaseOrderView:
        return self._decide("raise_po", supplier, user)

    def cancel_from_slack(self, number: str, sku: str | None, actor: Actor) -> str:
        self._decide("cancel_from_slack", number, sku, actor)
        return f"Cancelled {sku or 'every waiting line'} of order #{number}."

    def po(self, po_id: int) -> PurchaseOrderView | None:
        self.calls.append(("po", (po_id,)))
        return self.pos.get(po_id)

    def po_by_number(self, number: str) -> PurchaseOrderView | None:
        self.calls.append(("po_by_number", (number,)))
        return next((po for po in self.pos.values() if po.number == number), None)

    def receive_po(
        self,
        po_id: int,
        quantities: dict[int, int],
        close_rest: bool,
        actor: Actor,
        *,
        all_arrived: bool = False,
        note: str = "",
        submission: str | None = None,
    ) -> Receipt:
        args = (po_id, quantities, close_rest, actor, all_arrived, note, submission)
        self._decide("receive_po", *args)
        return self.receipt

    def called(self, name: str) -> list[tuple[Any, ...]]:
        """The arguments of each call to `name`, in order."""
        return [args for called, args in self.calls if called == name]
