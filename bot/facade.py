"""The bot's services in one stateless object: a fresh unit of work per call, one clock.

It is the `desk` Slack listeners find in their context, and what webhooks, jobs and the
console call; safe to share across threads. Its parts live in `bot/desk/`.
"""

from __future__ import annotations

from sqlalchemy import Connection

from bot.desk.base import Clock, utc_now
from bot.desk.customer_notices import CustomerNoticesDesk
from bot.desk.purchase_orders import PurchaseOrders
from bot.desk.reports import Reports
from domain import cancelling, services
from domain import purchase_orders as po
from domain.fulfilment import ReadyNews
from domain.model import Catalog, Delivery
from domain.order_refs import shown
from domain.views import OrderStatus, SkuStatus, SupplierStatus
from domain.wording import plural
from handlers.blocks.formatting import source_name

__all__ = ["Backorders", "Clock", "utc_now"]


class Backorders(PurchaseOrders, Reports, CustomerNoticesDesk):
    """The use cases, each in its own transaction: orders and the catalog here, purchase
    orders and reports from their parts."""

    def ingest(self, delivery: Delivery) -> services.IngestResult:
        """Store the order and queue what the team should hear, committed before it is
        answered (on SQLite with the orders that arrived meanwhile: `storage.group_commit`);
        the summary is worded by the outbox worker when it sends it, never here."""
        at = self.clock()
        promise_days = self.config.customers.promise_days

        def use_case(within: Connection | None) -> services.IngestResult:
            writer = self._ingest_writer(within)
            return services.ingest_order(
                writer, delivery, at, self.config.test_orders, promise_days
            )

        if self.ingest_commits is None:
            return use_case(None)
        return self.ingest_commits.run(use_case)

    def import_catalog(self, catalog: Catalog) -> services.ImportResult:
        """Apply a catalog; orders its new stock lets ship are announced as a receipt does."""
        news = ReadyNews(self.channel, self.config.ship_policy)
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
        order = shown(result.order_number)
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

    def first_time_event(self, event_id: str) -> bool:
        return services.note_event(self._writer(), event_id, self.clock())

    def sku(self, sku: str) -> SkuStatus:
        return services.sku_status(self._reader(), sku)

    def order(self, number: str) -> list[OrderStatus]:
        return services.order_status(self._reader(), number)

    def supplier(self, name: str) -> SupplierStatus:
        return services.supplier_status(self._reader(), name)

    def is_empty(self) -> bool:
        """No catalog yet: a newcomer's first start."""
        with self._reader() as uow:
            return uow.queries.catalog_size() == 0
