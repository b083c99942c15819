"""The bot's services in one stateless object: a fresh unit of work per call, one clock.

It is the `desk` Slack listeners find in their context, and what webhooks, jobs and the
console call; safe to share across threads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime

from domain import services
from domain.model import Catalog, Delivery
from domain.views import BackorderSummary, OrderStatus, Overview, SkuStatus, SupplierStatus
from handlers.blocks.summaries import summary_message
from storage.db import Database
from storage.unit_of_work import SqlUnitOfWork
from storage.workbooks import open_backorders_workbook

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Backorders:
    """The use cases, each in its own transaction."""

    def __init__(
        self,
        database: Database,
        clock: Clock = utc_now,
        channel: str = "",
        deadline_text: str = "",
        summarise_at_once: bool = False,
    ) -> None:
        self.database = database
        self.clock = clock
        self.channel = channel
        self.deadline_text = deadline_text
        self.summarise_at_once = summarise_at_once

    def now(self) -> datetime:
        return self.clock()

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
            self.flush_summaries()
        return result

    def import_catalog(self, catalog: Catalog) -> services.ImportResult:
        return services.import_catalog(self._writer(), catalog)

    def cancel_order(self, number: str) -> services.CancelResult:
        return services.cancel_order(self._writer(), number, self.clock())

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

    def is_empty(self) -> bool:
        """No catalog yet: a newcomer's first start."""
        with self._reader() as uow:
            return uow.queries.catalog_size() == 0
