"""Reports at the desk: the digest, the export, ETAs, and the weekly deadline (summaries are
`bot.desk.summaries`)."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.desk.summaries import Summaries
from bot.scheduling.calendar import deadline_calendar, digest_calendar, next_weekly
from domain import deadline, digest, lead_times, services
from domain.errors import NotFound
from domain.lead_times import Coverage, LeadTimes
from domain.order_refs import OrderRef
from domain.views import Overview

log = logging.getLogger(__name__)


class Reports(Summaries):
    """What the channel and the team read, and the weekly jobs that post it."""

    def overview(self) -> Overview:
        return services.backorder_overview(self._reader())

    def request_export(self, channel: str, requested_by: str) -> None:
        services.request_export(self._writer(), channel, requested_by, self.clock())

    def order_etas(self, number: str) -> dict[str, Coverage]:
        now = self.clock()
        deadline_at = next_weekly(now, self.config.purchasing.deadline, self.zone)
        default = self.config.purchasing.default_lead_time_days
        bare = OrderRef.parse(number).number  # ETAs are per line, whichever store it is
        return lead_times.order_etas(self._reader(), bare, now, deadline_at, default)

    def lead_times(self, supplier: str) -> LeadTimes:
        with self._reader() as uow:
            terms = uow.purchasing.supplier(supplier)
            if terms is None:
                raise NotFound(f"No supplier called {supplier} is in the catalog.")
            return lead_times.supplier_lead_times(uow, terms.supplier_id, terms.lead_time_days)

    def refresh_etas(self) -> list[lead_times.EtaSlip]:
        """Every waiting line's expected date: the first is remembered, slips are reported."""
        return self._eta_report().slips

    def _eta_report(self) -> lead_times.EtaReport:
        now = self.clock()
        deadline_at = next_weekly(now, self.config.purchasing.deadline, self.zone)
        default = self.config.purchasing.default_lead_time_days
        return lead_times.eta_report(self._writer(), now, deadline_at, default)

    def run_deadline(self) -> list[str]:
        """Release every buffer for the latest deadline, once per supplier and week."""
        now = self.clock()
        calendar = deadline_calendar(self.config)
        due = calendar.last_at_or_before(now)  # a late run keys to the deadline it missed
        auto = self.config.purchasing.on_deadline == "auto_approve"
        run = deadline.run_deadline(
            self._writer(), calendar.period(due), now, self.purchasing, auto
        )
        for failure in run.failures:  # the traceback is for whoever is on call
            log.error("the deadline failed for %s", failure.supplier, exc_info=failure.error)
        return run.done

    def remind_deadline(self) -> bool:
        now = self.clock()
        calendar = deadline_calendar(self.config)
        upcoming = calendar.first_at_or_after(now)  # the deadline it warns about
        period = calendar.period(upcoming)  # the deadline's own key
        return deadline.remind_deadline(self._writer(), period, upcoming, now, self.channel)

    def post_digest(self, scheduled: bool = True) -> bool:
        """The digest of the week to the last `digest.schedule` moment (or to now, on demand)."""
        now = self.clock()
        calendar = digest_calendar(self.config)
        end = calendar.last_at_or_before(now) if scheduled else now
        key = f"digest:{calendar.period(end)}" if scheduled else f"digest:asked:{now:%s%f}"
        found = self._eta_report()  # found once: slips and late lines travel with the digest
        week = (end - timedelta(days=7), end)
        return digest.post_digest(
            self._writer(), key, week, now, self.channel, found.slips, scheduled, found.late
        )
