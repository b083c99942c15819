"""Lead times learned from receipts, and the expected date of every waiting line."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.ports import UnitOfWork
from domain.promises import is_late

MIN_SAMPLES = 3


@dataclass(frozen=True)
class LeadTimes:
    """A supplier's lead time: learned (p50, p90, on-time rate) or, until then, configured."""

    p50_days: float
    p90_days: float
    on_time_rate: float | None
    samples: int

    @property
    def learned(self) -> bool:
        return self.samples >= MIN_SAMPLES


def learn(samples: list[tuple[float, bool]], configured_days: int) -> LeadTimes:
    """p50/p90 of (sent → first received) days and the on-time rate over recent receipts."""
    if len(samples) < MIN_SAMPLES:
        days = float(configured_days)
        return LeadTimes(days, days, None, len(samples))
    days_list = sorted(days for days, _ in samples)
    cuts = statistics.quantiles(days_list, n=10, method="inclusive")
    on_time = sum(1 for _, ok in samples if ok) / len(samples)
    return LeadTimes(statistics.median(days_list), cuts[8], on_time, len(samples))


@dataclass(frozen=True)
class Coverage:
    """Where a waiting line stands: on a PO (and when it is due), or waiting for the next one."""

    po_number: str | None
    expected_at: datetime


OVERDUE = timedelta(days=1)  # a PO past its date is expected no sooner than a day from now


def expected_date(
    ahead: int,
    waiting: int,
    pos: list[tuple[str, datetime, int]],
    next_release: datetime,
    lead: LeadTimes,
    *,
    now: datetime,
) -> Coverage:
    """First in, first out: the line is covered by the PO whose outstanding units, added in
    order of expected arrival, first reach the units waiting ahead of it plus its own. A PO
    past its expected date with goods still to come is late: it is expected a day from now at
    the soonest (never a date already gone), so a late supplier moves the date, and the promise
    it breaks is seen."""
    needed, covered = ahead + waiting, 0
    for number, expected_at, outstanding in sorted(pos, key=lambda po: po[1]):
        covered += outstanding
        if covered >= needed:
            return Coverage(number, max(expected_at, now + OVERDUE))
    return Coverage(None, next_release + timedelta(days=lead.p50_days))


def supplier_lead_times(uow: UnitOfWork, supplier_id: int, configured_days: int) -> LeadTimes:
    """What the receipts taught about this supplier (the configured days until enough)."""
    return learn(uow.purchasing.lead_times(supplier_id), configured_days)


def order_etas(
    uow: UnitOfWork, number: str, now: datetime, next_deadline: datetime, default_days: int
) -> dict[str, Coverage]:
    """Every waiting line of the order (by line ref): its PO and expected date."""
    with uow:
        etas: dict[str, Coverage] = {}
        lines = [
            line
            for order_id in uow.eta.order_ids(number.strip().lstrip("#"))
            for line in uow.eta.waiting_lines(order_id)
        ]
        suppliers = {line.supplier_id for line in lines}  # one order reads its suppliers only
        buffers = {b.terms.supplier_id: b for b in uow.purchasing.buffers(suppliers)}
        leads: dict[int, LeadTimes] = {}
        for line in lines:
            buffer = buffers[line.supplier_id]
            if line.supplier_id not in leads:
                configured = buffer.terms.lead_time_days or default_days
                leads[line.supplier_id] = supplier_lead_times(uow, line.supplier_id, configured)
            lead = leads[line.supplier_id]
            release = next_release(buffer, now, next_deadline)
            pos = uow.eta.on_order(line.product_id, now + timedelta(days=lead.p50_days))
            etas[line.line_ref] = expected_date(
                line.ahead, line.waiting, pos, release, lead, now=now
            )
        return etas


def next_release(buffer: Any, now: datetime, next_deadline: datetime) -> datetime:
    """When the buffer will next go out: now if proposed, when the hold ends, or the deadline."""
    if buffer.open_status == "proposed":
        return now
    if buffer.open_status == "held" and buffer.hold_until is not None:
        return max(buffer.hold_until, now)
    return next_deadline


SLIP = timedelta(days=1)


@dataclass(frozen=True)
class EtaSlip:
    """A waiting line now expected later than first expected."""

    order_number: str
    sku: str
    first_expected_at: datetime
    expected_at: datetime


@dataclass(frozen=True)
class LatePromise:
    """A waiting line expected after the ship-by date it was promised."""

    order_number: str
    sku: str
    promised_by: datetime
    expected_at: datetime


@dataclass(frozen=True)
class EtaReport:
    slips: list[EtaSlip]
    late: list[LatePromise]


def refresh_etas(
    uow: UnitOfWork, now: datetime, next_deadline: datetime, default_days: int
) -> list[EtaSlip]:
    """Every waiting line's expected date: remembered the first time, and compared after."""
    return eta_report(uow, now, next_deadline, default_days).slips


def eta_report(
    uow: UnitOfWork, now: datetime, next_deadline: datetime, default_days: int
) -> EtaReport:
    """Refresh every waiting line's expected date; the slips, and the lines now past their
    promise (longest-late first)."""
    late: list[LatePromise] = []
    with uow:
        buffers = {b.terms.supplier_id: b for b in uow.purchasing.buffers()}
        leads: dict[int, LeadTimes] = {}
        pos = uow.etas.on_order(now)
        firsts, slips = [], []
        for line in uow.etas.queue():
            buffer = buffers[line.supplier_id]
            if line.supplier_id not in leads:
                days = buffer.terms.lead_time_days or default_days
                leads[line.supplier_id] = supplier_lead_times(uow, line.supplier_id, days)
            release = next_release(buffer, now, next_deadline)
            eta = expected_date(
                line.ahead,
                line.waiting,
                pos.get(line.product_id, []),
                release,
                leads[line.supplier_id],
                now=now,
            ).expected_at
            if line.first_expected_at is None:
                firsts.append((line.line_id, eta))
            elif eta > line.first_expected_at + SLIP:
                slips.append(EtaSlip(line.order_number, line.sku, line.first_expected_at, eta))
            if line.promised_by is not None and is_late(eta, line.promised_by):
                late.append(LatePromise(line.order_number, line.sku, line.promised_by, eta))
        uow.etas.remember_first(firsts)
        uow.commit()
    slips.sort(key=lambda s: (s.first_expected_at, s.order_number))
    late.sort(key=lambda s: (s.promised_by - s.expected_at, s.order_number))
    return EtaReport(slips, late)
