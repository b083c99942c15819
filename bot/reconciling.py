"""Reconciliation: read the orders each store changed since the last run from its own API and
ingest them as webhooks are, so an order whose webhook never came is found, and one already
seen changes nothing.

A reconciled delivery's key is `reconcile:<order id>@<updated_at>:<digest of its content>`:
reading the same version again is a duplicate, a version the webhook already brought is stale,
and two versions within one store-clock second (WooCommerce counts in seconds) stay apart.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.config import ConfigError
from bot.facade import Backorders
from bot.settings import Settings, seconds_within, settings_from_env
from domain.model import Delivery, IncomingOrder, OrderSource
from domain.services import Outcome
from handlers.blocks.formatting import source_name
from handlers.stores import ShopifyOrders, StoreRefused, StoreUnavailable, WooCommerceOrders
from handlers.stores.http import MAX_WAIT_S, StoreHttp
from handlers.stores.orders import Fetched, Refused
from storage.reconciliations import RECONCILE_TOPIC, Reconciliations

log = logging.getLogger(__name__)
NO_STORES = (
    "no store to reconcile: set SHOPIFY_SHOP and SHOPIFY_ADMIN_TOKEN, or WOOCOMMERCE_URL, "
    "WOOCOMMERCE_KEY and WOOCOMMERCE_SECRET"
)
OVERLAP = timedelta(minutes=5)  # the stores' clocks and `updated_at` lag ours a little
FIRST_WINDOW = timedelta(days=2)  # a store never read before: its last two days
MAX_WAIT_VARIABLE = "STORE_RETRY_MAX_WAIT"  # seconds: the longest wait before trying again


class StoreOrders(Protocol):
    source: OrderSource

    def changed(self, since: datetime, now: datetime) -> Iterator[Fetched]: ...


@dataclass
class StoreTally:
    """What one run read from one store and what it changed."""

    store: str
    read: int = 0
    new: int = 0
    changed: int = 0
    refused: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"{self.store}: {self.read} read, {self.new} new, {self.changed} changed"
        return text + (f", {len(self.refused)} refused" if self.refused else "")


def stores_from(settings: Settings) -> list[StoreOrders]:
    """The stores whose API credentials are set, in a fixed order."""
    http = StoreHttp(max_wait_s=max_wait_from(os.environ))
    stores: list[StoreOrders] = []
    if settings.shopify is not None:
        stores.append(ShopifyOrders(settings.shopify, http))
    if settings.woocommerce is not None:
        stores.append(WooCommerceOrders(settings.woocommerce, http))
    return stores


def max_wait_from(env: Mapping[str, str]) -> float:
    """`STORE_RETRY_MAX_WAIT`: the most seconds a run waits on a store's Retry-After, THROTTLED
    or back-off before trying again (a longer one is cut to it); 60 when unset."""
    text = env.get(MAX_WAIT_VARIABLE, "").strip()
    if not text:
        return MAX_WAIT_S
    return seconds_within(text, MAX_WAIT_VARIABLE, 0, 3600)


def stores_from_env() -> list[StoreOrders]:
    return stores_from(settings_from_env())


def stores_configured() -> bool:
    """Whether any store's API credentials are in the environment (the job runs only then)."""
    try:
        return bool(stores_from_env())
    except ConfigError:  # half set: `python -m bot run` refuses to start and says which
        return False


def reconcile(
    desk: Backorders, stores: list[StoreOrders], since: timedelta | None = None
) -> list[StoreTally]:
    """Each store in turn, from `since` ago, else from its last run (minus a small overlap)."""
    marks = Reconciliations(desk.database)
    return [reconcile_store(desk, store, marks, since) for store in stores]


def reconcile_logged(desk: Backorders) -> list[str]:
    """The scheduled run: every store with keys; a store that fails is logged, the rest go on."""
    said = []
    for store in stores_from_env():
        try:
            said += [str(tally) for tally in reconcile(desk, [store])]
        except (StoreRefused, StoreUnavailable) as error:
            log.error("reconcile: %s", error)
            said.append(f"{source_name(store.source.value)}: {error}")
    return said


def reconcile_store(
    desk: Backorders, store: StoreOrders, marks: Reconciliations, since: timedelta | None
) -> StoreTally:
    started = desk.now().astimezone(UTC)
    last = marks.read_to(store.source.value)
    if since is not None:
        start = started - since
    else:
        start = last - OVERLAP if last is not None else started - FIRST_WINDOW
    tally = StoreTally(source_name(store.source.value))
    for fetched in store.changed(start, started):
        tally.read += 1
        if isinstance(fetched, Refused):
            tally.refused.append(f"order {fetched.order_id}: {fetched.reason}")
            log.warning("reconcile: %s refused order %s: %s", *_refusal(tally, fetched))
            continue
        if marks.seen(fetched):
            continue  # a webhook (or an earlier run) brought this version: nothing to change
        result = desk.ingest(reconciled(fetched))
        if result.outcome == Outcome.APPLIED:
            tally.new += result.created
            tally.changed += not result.created
    marks.record(store.source.value, started, started)
    log.info("reconcile: %s", tally)
    return tally


def reconciled(order: IncomingOrder) -> Delivery:
    """The delivery reconciliation makes of an order read from the store's API."""
    digest = hashlib.sha256(repr(order).encode()).hexdigest()[:16]
    key = f"reconcile:{order.external_id}@{order.updated_at.isoformat()}:{digest}"
    return Delivery(source=order.source, key=key, topic=RECONCILE_TOPIC, order=order)


def _refusal(tally: StoreTally, refused: Refused) -> tuple[str, str, str]:
    return tally.store, refused.order_id, refused.reason
