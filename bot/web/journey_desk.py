"""The customer's side of the desk: their order's journey, their choices, the backorder feed.

Each call opens its own unit of work, like the team's desk; safe to share across threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from bot.facade import Backorders
from bot.scheduling.calendar import deadline_calendar
from domain import customer_choices
from domain.customer_choices import Choice, ChoiceResult
from domain.journey import CustomerOrder, LineJourney, order_journey, waiting_etas
from domain.lead_times import LeadTimes, learn
from storage.journey import BackorderedProduct, LaterJourney, SqlJourney, backordered_products


@dataclass(frozen=True)
class JourneyPage:
    order: CustomerOrder
    lines: list[LineJourney]
    choices: frozenset[str]  # what the customer answered before

    @property
    def waiting(self) -> int:
        return sum(line.waiting for line in self.lines)

    @property
    def set_aside(self) -> int:
        """Units already in stock for the order: they ship whatever the customer chooses."""
        return sum(line.allocated for line in self.order.lines if not line.cancelled)


@dataclass(frozen=True)
class FeedItem:
    sku: str
    name: str
    ships_from: date
    ships_by: date


class CustomerDesk:
    """What the journey page and the feed ask of the bot."""

    def __init__(self, desk: Backorders) -> None:
        self.desk = desk

    def page(self, order_id: int) -> JourneyPage | None:
        now = self.desk.clock()
        release = deadline_calendar(self.desk.config).next_after(now)
        default = self.desk.config.purchasing.default_lead_time_days
        with self.desk._reader() as uow:
            journey = SqlJourney(uow.tx)
            order = journey.customer_order(order_id)
            if order is None:
                return None
            etas = waiting_etas(uow, order_id, now, release, default)
            chosen = journey.choices(order_id)
        return JourneyPage(order, order_journey(order, etas), chosen)

    def choose(self, order_id: int, choice: Choice, fingerprint: str) -> ChoiceResult | None:
        """Record the customer's answer once; a cancellation shrinks an open proposal."""
        uow = self.desk._writer()
        result = customer_choices.choose(
            uow,
            LaterJourney(uow),
            order_id,
            choice,
            self.desk.clock(),
            fingerprint,
            self.desk.channel,
        )
        if result is not None and result.cancelled:
            self.desk.check_buffers()  # an open proposal shrinks, and its message is updated
        return result

    def feed(self) -> list[FeedItem]:
        """Products sold on backorder now, with the window a new order would ship in."""
        now = self.desk.clock()
        release = deadline_calendar(self.desk.config).next_after(now)
        zone = self.desk.config.timezone
        with self.desk._reader() as uow:
            products = backordered_products(uow.tx)
            typical = {p.supplier_id: p.lead_time_days for p in products}  # once per supplier
            leads = {
                supplier: learn(uow.purchasing.lead_times(supplier), days)
                for supplier, days in typical.items()
            }
        return [_window(product, leads[product.supplier_id], release, zone) for product in products]


def _window(
    product: BackorderedProduct, lead: LeadTimes, release: datetime, zone: tzinfo
) -> FeedItem:
    """From the soonest a new order's units can come (a PO on its way with units beyond those
    waiting, else the next release plus the typical lead time) to the next release plus the
    slow lead time (p90)."""
    soonest = release + timedelta(days=lead.p50_days)
    if product.first_due is not None and product.on_order > product.waiting:
        soonest = min(soonest, product.first_due)
    latest = max(release + timedelta(days=lead.p90_days), soonest)
    return FeedItem(
        product.sku, product.name, soonest.astimezone(zone).date(), latest.astimezone(zone).date()
    )
