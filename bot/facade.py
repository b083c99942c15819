"""The bot's services in one stateless object: a fresh unit of work per call, one clock.

It is the `desk` Slack listeners find in their context, and what webhooks, jobs and the
console call; safe to share across threads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import AppConfig, parse_config
from bot.scheduling.calendar import iso_week, last_weekly, next_weekly
from bot.slack_check import CHANNEL_ID
from domain import cancelling, deadline, digest, lead_times, receiving, services
from domain import po_sending as sending
from domain import purchase_orders as po
from domain.errors import NotFound
from domain.fulfilment import ReadyNews
from domain.lead_times import Coverage, LeadTimes
from domain.model import Catalog, Delivery
from domain.order_refs import OrderRef
from domain.purchase_orders import PurchasingSetup
from domain.purchasing import OPEN_STATUSES, PurchaseOrderView
from domain.receiving import ReceiptResult
from domain.views import BackorderSummary, Digest, OrderStatus, Overview, SkuStatus, SupplierStatus
from domain.wording import plural
from handlers.blocks.digest import digest_message
from handlers.blocks.formatting import source_name
from handlers.blocks.journey import slips_text, with_section
from handlers.blocks.purchasing import po_thread_note, proposal_message
from handlers.blocks.receiving import with_receive_button
from handlers.blocks.reminders import reminder_message
from handlers.blocks.summaries import summary_message
from storage.db import Database
from storage.digest_workbook import digest_workbook
from storage.po_workbook import po_workbook
from storage.unit_of_work import SqlUnitOfWork
from storage.workbooks import open_backorders_workbook

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Backorders:
    """The use cases, each in its own transaction."""

    def __init__(
        self,
        database: Database,
        clock: Clock = utc_now,
        config: AppConfig | None = None,
        email_enabled: bool = False,
    ) -> None:
        self.database = database
        self.clock = clock
        self.config = config or parse_config({"slack": {"channel": "C0PURCHASE"}})
        self.channel = self.config.slack.channel
        self.channel_id: Callable[[], str | None] = self._configured_id
        self.zone = self.config.timezone
        deadline = self.config.purchasing.deadline
        self.deadline_text = f"{deadline} {self.zone.key}"
        self.summarise_at_once = self.config.summaries_batch_every_s == 0
        self.purchasing = PurchasingSetup(
            self.channel, self.config.purchasing.po_prefix, email_enabled, _Presenter(self)
        )

    def now(self) -> datetime:
        return self.clock()

    def channel_link(self) -> str:
        """The team channel as Slack links it (`<#C0123>`); `#purchasing` until its ID is known."""
        found, name = self.channel_id(), self.channel.lstrip("#")
        if not found:
            return f"#{name}"
        return f"<#{found}>" if found == name else f"<#{found}|{name}>"

    def _configured_id(self) -> str | None:
        return self.channel if CHANNEL_ID.fullmatch(self.channel) else None

    def __deepcopy__(self, memo: dict[int, object]) -> Backorders:
        # Bolt deep-copies a request's context for lazy listeners; the desk is shared, not copied.
        return self

    def _writer(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.database)

    def _reader(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.database, read_only=True)

    def ingest(self, delivery: Delivery) -> services.IngestResult:
        result = services.ingest_order(self._writer(), delivery, self.clock())
        if self.summarise_at_once and (result.newly_waiting or result.unplaced):
            try:
                self.flush_summaries()
            except Exception:
                # The delivery is committed: its news stays queued for the next summary.
                log.exception("summary after order %s failed", result.order_number)
        return result

    def import_catalog(self, catalog: Catalog) -> services.ImportResult:
        """Apply a catalog; orders its new stock lets ship are announced as a receipt does."""
        news = ReadyNews(self.channel, self.purchasing.present.note, self.config.ship_policy)
        return services.import_catalog(self._writer(), catalog, self.clock(), news)

    def cancel_order(self, number: str, sku: str | None = None) -> cancelling.CancelResult:
        result = cancelling.cancel_order(self._writer(), number, self.clock(), sku)
        self.check_buffers()  # an open proposal shrinks, and its message is updated
        return result

    def cancel_from_slack(self, number: str, sku: str | None, actor: po.Actor) -> str:
        """`/backorders cancel`: approvers only; says what happened, and what is on a PO."""
        if not actor.is_approver:
            raise po.NotAllowed("Only approvers can cancel orders from Slack.")
        result = self.cancel_order(number, sku)
        order = f"#{result.order_number}"
        if result.source:  # named with its store: say which, as the number alone is shared
            order += f" ({source_name(result.source)})"
        what = f"{sku} on order {order}" if sku else f"Order {order}"
        text = (
            f"{what} is cancelled: {plural(result.released_units, 'unit')} back to stock (to "
            f"the next customers in line), {plural(result.waiting_units_dropped, 'waiting unit')} "
            "dropped."
        )
        return text + self._on_order_note()

    def _on_order_note(self) -> str:
        """Units on sent POs that no customer waits for any more: they will go to stock."""
        with self._reader() as uow:
            spare = uow.purchasing.spare_on_order()
        if not spare:
            return ""
        parts = ", ".join(f"{units} {sku} on {number}" for number, sku, units in spare)
        return (
            f"\n⚠️ No longer needed by customers: {parts}. They will go to stock on arrival;"
            " amend the PO with the supplier if you prefer."
        )

    def receive_po(
        self,
        po_id: int,
        quantities: dict[int, int],
        close_rest: bool,
        actor: po.Actor,
        *,
        all_arrived: bool = False,
        note: str = "",
        submission: str | None = None,
    ) -> ReceiptResult:
        return receiving.receive_po(
            self._writer(),
            po_id,
            quantities,
            close_rest,
            actor,
            self.clock(),
            self.purchasing,
            self.config.ship_policy,
            all_arrived,
            note,
            submission,
        )

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

    def po_by_number(self, number: str) -> PurchaseOrderView | None:
        with self._reader() as uow:
            po_id = uow.purchasing.id_of(number.strip())
            view = uow.purchasing.view(po_id) if po_id is not None else None
        return view if view is not None and view.status in OPEN_STATUSES else None

    def flush_summaries(self) -> BackorderSummary:
        """Post one summary of what started waiting since the last one (through the outbox)."""
        now = self.clock()

        def render(summary: BackorderSummary) -> dict[str, object]:
            return asdict(summary_message(summary, now))

        return services.flush_summary(self._writer(), self.channel, render, now)

    def request_export(self, channel: str, requested_by: str) -> None:
        services.request_export(self._writer(), channel, requested_by, self.clock())

    def export_workbook(self) -> bytes:
        with self._reader() as uow:
            return open_backorders_workbook(uow.queries.open_lines(), self.clock())

    def first_time_event(self, event_id: str) -> bool:
        return services.note_event(self._writer(), event_id, self.clock())

    def sku(self, sku: str) -> SkuStatus:
        return services.sku_status(self._reader(), sku)

    def order(self, number: str) -> list[OrderStatus]:
        return services.order_status(self._reader(), number)

    def supplier(self, name: str) -> SupplierStatus:
        return services.supplier_status(self._reader(), name)

    def overview(self) -> Overview:
        return services.backorder_overview(self._reader())

    # Purchase orders

    def raise_po(self, supplier: str, user: str) -> PurchaseOrderView:
        return po.raise_po(self._writer(), supplier, user, self.clock(), self.purchasing)

    def check_buffers(self) -> list[str]:
        """Proposals follow their buffers; buffers at their minimum are proposed early."""
        return po.check_buffers(self._writer(), self.clock(), self.purchasing)

    def approve_po(self, po_id: int, version: int, actor: po.Actor) -> PurchaseOrderView:
        return sending.approve_po(
            self._writer(), po_id, version, actor, self.clock(), self.purchasing
        )

    def take_in_po(self, po_id: int, version: int, actor: po.Actor) -> PurchaseOrderView:
        """An approver takes in the demand that arrived since the last adjustment."""
        return po.take_in_po(self._writer(), po_id, version, actor, self.clock(), self.purchasing)

    def adjust_refusals(self, po_id: int, named: dict[int, str]) -> dict[int, str]:
        """Why lines an Adjust form names (by line id, with their SKU) are not this PO's."""
        return po.unknown_lines(self._reader(), po_id, named)

    def adjust_po(
        self,
        po_id: int,
        version: int,
        quantities: dict[int, int],
        note: str | None,
        actor: po.Actor,
    ) -> PurchaseOrderView:
        return po.adjust_po(
            self._writer(), po_id, version, quantities, note, actor, self.clock(), self.purchasing
        )

    def hold_po(self, po_id: int, version: int, actor: po.Actor) -> PurchaseOrderView:
        until = next_weekly(self.clock(), self.config.purchasing.deadline, self.zone)
        return po.hold_po(
            self._writer(), po_id, version, actor, until, self.clock(), self.purchasing
        )

    def po(self, po_id: int) -> PurchaseOrderView | None:
        with self._reader() as uow:
            return uow.purchasing.view(po_id)

    def open_pos(self) -> list[PurchaseOrderView]:
        return po.open_pos(self._reader())

    def po_file(self, key: str) -> tuple[str, bytes]:
        """The workbook of `po:<id>`, built from the PO as it stands."""
        view = self.po(int(key.removeprefix("po:")))
        if view is None:
            raise NotFound(f"no purchase order {key}")
        content = po_workbook(view, view.approved_at or self.clock(), self.zone)
        return f"{view.number or 'proposal'}.xlsx", content

    def po_emailed(self, po_id: int, to: str) -> None:
        sending.po_emailed(self._writer(), po_id, to, self.clock(), self.purchasing)

    def email_delayed(self, po_id: int, error: str) -> None:
        sending.email_delayed(self._writer(), po_id, error, self.clock(), self.purchasing)

    # The weekly jobs

    def run_deadline(self) -> list[str]:
        """Release every buffer for the latest deadline, once per supplier and week."""
        now = self.clock()
        due = last_weekly(now, self.config.purchasing.deadline, self.zone)
        auto = self.config.purchasing.on_deadline == "auto_approve"
        return deadline.run_deadline(
            self._writer(), iso_week(due, self.zone), now, self.purchasing, auto
        )

    def remind_deadline(self) -> bool:
        now = self.clock()
        upcoming = next_weekly(now, self.config.purchasing.deadline, self.zone)

        def render(at: datetime, due: list[tuple[str, int]], waiting: list[Any]) -> dict[str, Any]:
            return asdict(reminder_message(at, due, waiting, self.zone))

        period = iso_week(upcoming, self.zone)
        return deadline.remind_deadline(self._writer(), period, upcoming, now, self.channel, render)

    def post_digest(self, scheduled: bool = True) -> bool:
        """The digest of the week to the last `digest.schedule` moment (or to now, on demand)."""
        now = self.clock()
        end = last_weekly(now, self.config.digest_schedule, self.zone) if scheduled else now
        key = f"digest:{iso_week(end, self.zone)}" if scheduled else f"digest:asked:{now:%s%f}"
        slips = self.refresh_etas()

        def render(d: Digest) -> dict[str, Any]:
            message = digest_message(d, now, self.zone)
            return asdict(with_section(message, slips_text(slips, self.zone)) if slips else message)

        week = (end - timedelta(days=7), end)

        def build() -> Digest:
            with self._reader() as uow:
                return uow.digest.build(week[0], week[1], now)

        return digest.post_digest(
            self._writer(), key, week, now, self.channel, render, build, scheduled
        )

    def refresh_etas(self) -> list[lead_times.EtaSlip]:
        """Every waiting line's expected date: the first is remembered, slips are reported."""
        now = self.clock()
        deadline_at = next_weekly(now, self.config.purchasing.deadline, self.zone)
        default = self.config.purchasing.default_lead_time_days
        return lead_times.refresh_etas(self._writer(), now, deadline_at, default)

    def digest_file(self, builder: str) -> bytes:
        """The digest workbook for `digest:<start>/<end>`, built when it is sent."""
        start, end = (datetime.fromisoformat(part) for part in builder[7:].split("/"))
        now = self.clock()
        with self._reader() as uow:
            report = uow.digest.build(start, end, now)
            return digest_workbook(report, uow.queries.open_lines(), now, self.zone)

    def is_empty(self) -> bool:
        """No catalog yet: a newcomer's first start."""
        with self._reader() as uow:
            return uow.queries.catalog_size() == 0


class _Presenter:
    """POs as Block Kit, for the outbox (the domain decides what to say, not how it looks)."""

    def __init__(self, desk: Backorders) -> None:
        self.desk = desk

    def proposal(self, view: PurchaseOrderView) -> dict[str, object]:
        message = proposal_message(view, self.desk.clock(), self.desk.deadline_text, self.desk.zone)
        return asdict(with_receive_button(message, view))

    def note(self, text: str) -> dict[str, object]:
        return asdict(po_thread_note(text))
