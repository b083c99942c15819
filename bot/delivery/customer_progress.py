"""Where the waiting lines of a notice stand when it is worded: on a PO already (on its way to
us), or waiting for the next order to the supplier (and when that order goes). The backordered
email says what is true, as the journey page does, never "ordered" before a PO exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.config import AppConfig
from bot.scheduling.calendar import next_weekly
from domain import lead_times
from storage.customer_notices import NoticeToSend
from storage.db import Database
from storage.unit_of_work import SqlUnitOfWork


@dataclass(frozen=True)
class Progress:
    ordered: bool  # every line of the notice that waits is on a PO (approved or sent)
    next_order: date | None  # when the next order goes to the supplier of what is not


def progress(
    database: Database, config: AppConfig, notice: NoticeToSend, now: datetime
) -> Progress:
    """The notice's waiting lines as the journey page sees them now."""
    deadline_at = next_weekly(now, config.purchasing.deadline, config.timezone)
    default = config.purchasing.default_lead_time_days
    releases: list[datetime] = []
    with SqlUnitOfWork(database, read_only=True) as uow:
        buffers = {b.terms.supplier_id: b for b in uow.purchasing.buffers()}
        for line in uow.eta.waiting_lines(notice.order_id):
            if line.line_ref not in notice.line_refs:
                continue
            buffer = buffers[line.supplier_id]
            days = buffer.terms.lead_time_days or default
            lead = lead_times.supplier_lead_times(uow, line.supplier_id, days)
            release = lead_times.next_release(buffer, now, deadline_at)
            pos = uow.eta.on_order(line.product_id, now + timedelta(days=lead.p50_days))
            eta = lead_times.expected_date(line.ahead, line.waiting, pos, release, lead, now=now)
            if eta.po_number is None:
                releases.append(release)
    if not releases:
        return Progress(True, None)
    return Progress(False, max(releases).astimezone(config.timezone).date())
