"""The bot's services in one stateless object: a fresh unit of work per call, one clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from domain import services
from domain.model import Catalog, Delivery
from domain.views import OrderStatus, Overview, SkuStatus, SupplierStatus
from storage.db import Database
from storage.unit_of_work import SqlUnitOfWork

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Backorders:
    """What webhooks, Slack listeners, jobs and the console call; safe to share across threads."""

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self.database = database
        self.clock = clock

    def _writer(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.database)

    def _reader(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.database, read_only=True)

    def ingest(self, delivery: Delivery) -> services.IngestResult:
        return services.ingest_order(self._writer(), delivery, self.clock())

    def import_catalog(self, catalog: Catalog) -> services.ImportResult:
        return services.import_catalog(self._writer(), catalog)

    def cancel_order(self, number: str) -> services.CancelResult:
        return services.cancel_order(self._writer(), number, self.clock())

    def sku(self, sku: str) -> SkuStatus:
        return services.sku_status(self._reader(), sku)

    def order(self, number: str) -> list[OrderStatus]:
        return services.order_status(self._reader(), number)

    def supplier(self, name: str) -> SupplierStatus:
        return services.supplier_status(self._reader(), name)

    def overview(self) -> Overview:
        return services.backorder_overview(self._reader())
