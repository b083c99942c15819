"""The purchase order aggregate: its states, who may move it, and the events each move causes.

People win over machines: once a person has set a proposal's quantities (adjust, take in), a
job never changes them; demand that arrives afterwards is only counted, for a person to take in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from domain.po_events import (
    PERSON_DECISIONS,
    Adjusted,
    Approved,
    DemandWaiting,
    FollowedDemand,
    Held,
    PoEvent,
    Released,
    SendingUncertain,
    Sent,
    SentAgain,
    SentByHand,
    TookInDemand,
    quantities_changed,
)
from domain.po_refusals import Actor, EmptyPo, NotAllowed, Stale, UnknownLines
from domain.po_rules import DemandLine, SupplierTerms, adjusted_quantity, draft_lines, taken_in
from domain.purchasing import (
    PoDecision,
    PoItem,
    PoState,
    PoStatus,
    PurchaseOrderView,
    SendingInDoubt,
    po_state,
)

BOT = "bot"
__all__ = [
    "PERSON_DECISIONS",
    "Actor",
    "EmptyPo",
    "NotAllowed",
    "PoState",
    "Stale",
    "UnknownLines",
]


@dataclass
class PurchaseOrder:
    """One PO from proposal to arrival; each transition returns the events it causes."""

    po_id: int
    supplier: SupplierTerms
    status: PoStatus
    version: int
    items: list[PoItem]
    trigger: str
    proposed_at: datetime
    number: str | None = None
    approved_at: datetime | None = None
    approved_by: str | None = None
    sent_at: datetime | None = None
    expected_at: datetime | None = None
    hold_until: datetime | None = None
    note: str | None = None
    decided_by: str | None = None  # the last person who set the quantities
    waiting: int = 0  # units waiting beyond the person's lines, as last shown
    in_doubt: SendingInDoubt | None = None  # it may have gone: a person says whether it did
    history: tuple[PoDecision, ...] = ()
    pending: list[PoEvent] = field(default_factory=list)

    @property
    def state(self) -> PoState:
        return po_state(self.status, ((item.received, item.outstanding) for item in self.items))

    @property
    def lines(self) -> list[PoItem]:
        """What is ordered: lines a person dropped (quantity 0) are not."""
        return [item for item in self.items if item.quantity > 0]

    def _quantities(self) -> dict[str, int]:
        return {item.sku: item.quantity for item in self.items if item.quantity}

    def _emit(self, event: PoEvent, new_version: bool = True) -> list[PoEvent]:
        self.version += 1 if new_version else 0
        self.pending.append(event)
        return [event]

    def _check(self, actor: Actor, seen: int | None, what: str) -> None:
        """The actor's right, the state, then the version they saw."""
        if not actor.is_approver:
            raise NotAllowed(f"Only approvers can {what} purchase orders.")
        if self.status is not PoStatus.PROPOSED:
            raise Stale(f"This purchase order is already {self.status}; nothing was changed.")
        if seen is not None and seen != self.version:
            raise Stale("This proposal changed since you saw it; nothing was changed.")

    # the bot's moves

    def follow_demand(self, demand: list[DemandLine], now: datetime) -> list[PoEvent]:
        """A job's refresh: the bot's lines follow demand; a person's are only told what waits."""
        if self.status not in (PoStatus.PROPOSED, PoStatus.HELD):
            return []
        if self.decided_by is not None:
            waiting = self.new_demand(demand)
            if waiting == self.waiting:
                return []
            event = DemandWaiting(BOT, now, {"units": self.waiting}, {"units": waiting})
            self.waiting = waiting
            return self._emit(event, new_version=False)
        before = self._quantities()
        drafted = draft_lines(demand, {})
        if [(i.product_id, i.demand, i.quantity) for i in self.items] == [
            (pid, line.demand, line.quantity) for pid, line in drafted
        ]:
            return []
        old = {item.product_id: item for item in self.items}
        self.items = [PoItem.of(pid, line, old.get(pid)) for pid, line in drafted]
        after = self._quantities()
        return self._emit(
            FollowedDemand(BOT, now, before, after, quantities_changed(before, after))
        )

    def release(self, now: datetime, actor: str = BOT) -> list[PoEvent]:
        """A held proposal is back on the table (the deadline, or a raise by hand)."""
        if self.status is not PoStatus.HELD:
            return []
        self.status, self.hold_until = PoStatus.PROPOSED, None
        return self._emit(Released(actor, now))

    def new_demand(self, demand: list[DemandLine]) -> int:
        """Units waiting beyond the demand the lines were last set for."""
        known = {item.product_id: item.demand for item in self.items}
        return sum(max(d.uncovered - known.get(d.product_id, 0), 0) for d in demand)

    # a person's moves

    def adjust(
        self, quantities: dict[int, int], note: str | None, actor: Actor, seen: int, now: datetime
    ) -> list[PoEvent]:
        """New quantities per line id, rounded up to cases; 0 drops a line."""
        self._check(actor, seen, "adjust")
        unknown = sorted(set(quantities) - {item.line_id for item in self.items})
        if unknown:
            raise UnknownLines(unknown)
        before = self._quantities()
        self.items = [
            item
            if item.line_id not in quantities
            else replace(
                item,
                quantity=adjusted_quantity(quantities[item.line_id or 0], item.case_pack),
                adjusted=True,
            )
            for item in self.items
        ]
        after = self._quantities()
        if before == after and not note:
            return []  # nothing changed: no new version
        self.note, self.decided_by, self.waiting = note, actor.user, 0
        return self._emit(Adjusted(actor.user, now, before, after, note))

    def take_in(
        self, demand: list[DemandLine], actor: Actor, seen: int, now: datetime
    ) -> list[PoEvent]:
        """The demand that arrived since a person's adjustment joins the PO, on their word."""
        self._check(actor, seen, "take in demand for")
        units = self.new_demand(demand)
        before = self._quantities()
        self.items = taken_in(self.items, demand)
        self.decided_by, self.waiting = actor.user, 0
        after = self._quantities()
        note = f"took in {units} waiting unit{'s' if units != 1 else ''}"
        return self._emit(TookInDemand(actor.user, now, before, after, note))

    def hold(self, actor: Actor, seen: int, until: datetime, now: datetime) -> list[PoEvent]:
        """The buffer waits for the next deadline."""
        self._check(actor, seen, "hold")
        self.status, self.hold_until = PoStatus.HELD, until
        return self._emit(Held(actor.user, now, None, {"until": until}))

    def approve(
        self,
        actor: Actor,
        seen: int | None,
        now: datetime,
        numbering: Callable[[], str],
        note: str | None = None,
    ) -> list[PoEvent]:
        """Exactly the lines as they stand get a number; a PO without lines cannot."""
        self._check(actor, seen, "approve")
        if not self.lines:
            raise EmptyPo("This PO has no lines: there is nothing to approve.")
        self.items = self.lines  # dropped lines stay in the audit, not on the PO
        self.number = numbering()
        self.status, self.approved_at, self.approved_by = PoStatus.APPROVED, now, actor.user
        after = {"number": self.number, "lines": self._quantities()}
        return self._emit(Approved(actor.user, now, None, after, note), new_version=False)

    def mark_sent(self, now: datetime) -> list[PoEvent]:
        """The supplier has it: the arrival is expected after the lead time."""
        if self.status is not PoStatus.APPROVED:
            return []  # already sent: a repeated delivery changes nothing
        return self._emit(Sent(BOT, now, None, self._sent(now)), False)

    def _sent(self, now: datetime) -> dict[str, object]:
        self.status, self.sent_at, self.in_doubt = PoStatus.SENT, now, None
        self.expected_at = now + timedelta(days=self.supplier.lead_time_days)
        return {"state": str(PoState.SENT), "expected_at": self.expected_at}

    # a sending nobody can vouch for

    def sending_uncertain(self, to: str, at: datetime, now: datetime) -> list[PoEvent]:
        """It may have reached `to` at `at` unrecorded: a new version, for a person to settle."""
        if self.status is not PoStatus.APPROVED or self.in_doubt == SendingInDoubt(to, at):
            return []
        self.in_doubt = SendingInDoubt(to, at)
        return self._emit(SendingUncertain(BOT, now, None, {"to": to, "at": at.isoformat()}))

    def _check_doubt(self, actor: Actor, seen: int, what: str) -> SendingInDoubt:
        if not actor.is_approver:
            raise NotAllowed(f"Only approvers can {what}.")
        if self.in_doubt is None or self.status is not PoStatus.APPROVED:
            raise Stale(f"{self.number} is {self.state} now; nothing was changed.")
        if seen != self.version:
            raise Stale(f"{self.number} changed since you saw it; nothing was changed.")
        return self.in_doubt

    def mark_sent_by_hand(self, actor: Actor, seen: int, now: datetime) -> list[PoEvent]:
        """The supplier has it (a person checked): sent, and nothing goes again."""
        doubt = self._check_doubt(actor, seen, "mark purchase orders sent")
        before = {"state": str(self.state), "to": doubt.to, "at": doubt.at.isoformat()}
        return self._emit(SentByHand(actor.user, now, before, self._sent(now)), False)

    def send_again(self, actor: Actor, seen: int, now: datetime) -> list[PoEvent]:
        """It did not arrive (a person checked): it goes once more, to the same address."""
        doubt = self._check_doubt(actor, seen, "send purchase orders again")
        self.in_doubt = None
        before = {"to": doubt.to, "at": doubt.at.isoformat()}
        after = {"to": doubt.to, "attempt": self.sent_again + 1}
        return self._emit(SentAgain(actor.user, now, before, after), False)

    @property
    def sent_again(self) -> int:
        """How many times a person had it sent again."""
        return sum(1 for d in (*self.history, *self.pending) if d.action == SentAgain.action)

    def view(self, served: tuple[int, datetime | None]) -> PurchaseOrderView:
        """The PO as people see it."""
        new = tuple(PoDecision(e.action, e.actor, e.at, e.note) for e in self.pending)
        return PurchaseOrderView(
            po_id=self.po_id,
            version=self.version,
            status=self.status,
            supplier=self.supplier.name,
            supplier_email=self.supplier.email,
            lead_time_days=self.supplier.lead_time_days,
            number=self.number,
            lines=tuple(item.as_line() for item in self.lines),
            orders_served=served[0],
            oldest_placed_at=served[1],
            trigger=self.trigger,
            proposed_at=self.proposed_at,
            decisions=tuple(d for d in self.history + new if d.action in SHOWN),
            approved_at=self.approved_at,
            sent_at=self.sent_at,
            expected_at=self.expected_at,
            hold_until=self.hold_until,
            note=self.note,
            waiting_since_adjustment=self.waiting if self.decided_by else 0,
            adjusted_by=self.decided_by,
            in_doubt=self.in_doubt,
        )


# what the PO's card lists in its history; receipts ("closed": the rest was cancelled) too
SHOWN = frozenset(
    {"raised", "updated", "approved", "adjusted", "took_in", "held", "released", "sent"}
    | {"email_delayed", "received", "closed", "send_uncertain", "sent_by_hand", "sent_again"}
)
