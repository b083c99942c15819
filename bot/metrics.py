"""Prometheus metrics: webhook deliveries, orders, backordered units, and open backlog."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from domain.views import Overview

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BACKLOG_TTL_S = 15.0  # Prometheus scrapes every 15-60 s: fresher gauges would only load the DB
disable_created_metrics()  # `*_created` series only add noise to dashboards


@dataclass(frozen=True)
class Backlog:
    """What the database-derived gauges show, read in one go."""

    overview: Overview
    outbox_pending: int


class CachedBacklog:
    """The backlog read at most once per `ttl_s`, by one scraper at a time.

    Any number of scrapers (several Prometheus replicas, an attacker on a public /metrics)
    cost the database one aggregate per TTL; webhooks keep their connections and locks.
    """

    def __init__(
        self,
        read: Callable[[], Backlog],
        ttl_s: float = BACKLOG_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.read = read
        self.ttl_s = ttl_s
        self.clock = clock
        self._lock = threading.Lock()
        self._value: Backlog | None = None
        self._read_at = 0.0

    def get(self) -> Backlog:
        """The cached backlog, re-read when older than the TTL."""
        if self._fresh():
            return self._value  # type: ignore[return-value]  # _fresh() implies a value
        # While one scraper reads, the others answer with the last value instead of queuing.
        if not self._lock.acquire(blocking=self._value is None):
            return self._value  # type: ignore[return-value]  # blocking when there is none
        try:
            if not self._fresh():  # another scraper may have read while this one waited
                self._value = self.read()
                self._read_at = self.clock()
            return self._value  # type: ignore[return-value]
        finally:
            self._lock.release()

    def _fresh(self) -> bool:
        return self._value is not None and self.clock() - self._read_at < self.ttl_s


class BacklogCollector(Collector):
    """Open backorders from the database, cached briefly so every replica agrees cheaply."""

    def __init__(self, backlog: CachedBacklog) -> None:
        self.backlog = backlog

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The names alone: registering the collector must not read the database."""
        return _families(None)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        return _families(self.backlog.get())


def _families(backlog: Backlog | None) -> Iterator[GaugeMetricFamily]:
    """The backlog gauges, with values when there is a backlog to show."""
    units = GaugeMetricFamily(
        "backorder_open_units", "Units customers are waiting for, by supplier", labels=["supplier"]
    )
    for row in backlog.overview.suppliers if backlog else ():
        units.add_metric([row.supplier], row.waiting_units)
    yield units
    unplaced, pending = (
        (backlog.overview.unplaced_lines, backlog.outbox_pending) if backlog else (0, 0)
    )
    yield GaugeMetricFamily(
        "backorder_unplaced_lines",
        "Order lines the bot could not place (no SKU or unknown SKU)",
        value=unplaced,
    )
    yield GaugeMetricFamily(
        "backorder_outbox_pending",
        "Messages for Slack waiting in the outbox (growing: Slack refuses or is away)",
        value=pending,
    )


class Metrics:
    """One registry per bot, so tests can run several bots in one process."""

    def __init__(
        self,
        overview: Callable[[], Overview] | None = None,
        outbox: Callable[[], tuple[int, datetime | None]] | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "backorder_webhook_deliveries",
            "Store webhook deliveries by source and outcome",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.orders = Counter(
            "backorder_orders", "New orders received, by source", ["source"], registry=self.registry
        )
        self.backordered_units = Counter(
            "backorder_backordered_units",
            "Units that could not be filled from stock when ordered, by source",
            ["source"],
            registry=self.registry,
        )
        self.webhook_seconds = Histogram(
            "backorder_webhook_seconds",
            "Time to verify, store and answer a store webhook",
            ["source"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        )
        self.backlog: CachedBacklog | None = None
        if overview is not None and outbox is not None:
            self.backlog = CachedBacklog(lambda: Backlog(overview(), outbox()[0]))
            self.registry.register(BacklogCollector(self.backlog))

    def render(self) -> bytes:
        return generate_latest(self.registry)
