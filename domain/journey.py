"""What a customer sees of their order: each line's journey, and when it is expected.

Only what the customer needs: their first name, what they ordered and where each item is.
Never their email, their address or their other orders.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.lead_times import Coverage, expected_date, supplier_lead_times
from domain.ports import UnitOfWork


class Step(enum.StrEnum):
    ORDERED = "Ordered"
    WAITING = "Waiting for the supplier"
    ON_ITS_WAY = "On its way to us"
    ARRIVED = "Arrived"
    READY = "Ready to ship"


class StepState(enum.StrEnum):
    DONE = "done"
    NOW = "now"
    NEXT = "next"


@dataclass(frozen=True)
class JourneyStep:
    step: Step
    state: StepState
    detail: str = ""


@dataclass(frozen=True)
class CustomerLine:
    """A line as the customer may see it: plain facts, no identifiers of anyone."""

    name: str
    quantity: int
    allocated: int
    waiting: int
    backordered: int  # units that ever had to wait
    cancelled: bool
    promised_by: datetime | None = None
    line_ref: str = ""


@dataclass(frozen=True)
class CustomerOrder:
    number: str
    first_name: str | None
    placed_at: datetime
    cancelled: bool
    lines: tuple[CustomerLine, ...]
    opted_out: bool = False
    test: bool = False  # a store's test order: nothing of it is followed


@dataclass(frozen=True)
class LineJourney:
    name: str
    quantity: int
    waiting: int
    steps: tuple[JourneyStep, ...]
    expected_on: date | None
    promised_on: date | None
    cancelled: bool


def line_journey(line: CustomerLine, eta: Coverage | None) -> LineJourney:
    """Ordered → waiting for the supplier → on its way to us → arrived → ready to ship."""
    expected = eta.expected_at.date() if eta and line.waiting else None
    promised = line.promised_by.date() if line.promised_by else None
    steps = (JourneyStep(Step.ORDERED, StepState.DONE),)
    if line.cancelled:
        return LineJourney(line.name, _ordered(line), 0, steps, None, None, True)
    if line.waiting:
        on_po = eta is not None and eta.po_number is not None
        steps += (
            JourneyStep(Step.WAITING, StepState.DONE if on_po else StepState.NOW),
            JourneyStep(Step.ON_ITS_WAY, StepState.NOW if on_po else StepState.NEXT),
            JourneyStep(Step.ARRIVED, StepState.NEXT),
            JourneyStep(Step.READY, StepState.NEXT),
        )
    elif line.backordered:
        steps += (
            JourneyStep(Step.WAITING, StepState.DONE),
            JourneyStep(Step.ON_ITS_WAY, StepState.DONE),
            JourneyStep(Step.ARRIVED, StepState.DONE),
            JourneyStep(Step.READY, StepState.DONE),
        )
    else:
        steps += (JourneyStep(Step.READY, StepState.DONE, "from our stock"),)
    return LineJourney(line.name, line.quantity, line.waiting, steps, expected, promised, False)


def _ordered(line: CustomerLine) -> int:
    """What the customer ordered of a cancelled line: a line cancelled with nothing set aside
    keeps no quantity, but each of its units had to wait, so it ever waited for them all."""
    return line.quantity or line.backordered


def order_journey(order: CustomerOrder, etas: dict[str, Coverage]) -> list[LineJourney]:
    """Every line's journey, in the order the store lists them."""
    return [
        line_journey(line, etas.get(line.line_ref))
        for line in order.lines
        if line.quantity > 0 or line.cancelled
    ]


def waiting_etas(
    uow: UnitOfWork, order_id: int, now: datetime, next_deadline: datetime, default_days: int
) -> dict[str, Coverage]:
    """The order's waiting lines (by line ref): the PO that covers each, or the next release
    plus the supplier's lead time; read within the caller's unit of work."""
    buffers = {b.terms.supplier_id: b for b in uow.purchasing.buffers()}
    etas: dict[str, Coverage] = {}
    for line in uow.eta.waiting_lines(order_id):
        buffer = buffers[line.supplier_id]
        days = buffer.terms.lead_time_days or default_days
        lead = supplier_lead_times(uow, line.supplier_id, days)
        release = now if buffer.open_status == "proposed" else next_deadline
        if buffer.open_status == "held" and buffer.hold_until is not None:
            release = max(buffer.hold_until, now)
        pos = uow.eta.on_order(line.product_id, now + timedelta(days=lead.p50_days))
        etas[line.line_ref] = expected_date(line.ahead, line.waiting, pos, release, lead, now=now)
    return etas
