"""Prometheus metrics: webhook deliveries, orders, backordered units, and open backlog."""

from __future__ import annotations

from collections.abc import Callable, Iterator

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
disable_created_metrics()  # `*_created` series only add noise to dashboards


class BacklogCollector(Collector):
    """Open backorders read from the database at scrape time, so every replica agrees."""

    def __init__(
        self, overview: Callable[[], Overview], outbox: Callable[[], tuple[int, object]]
    ) -> None:
        self.overview = overview
        self.outbox = outbox

    def collect(self) -> Iterator[GaugeMetricFamily]:
        overview = self.overview()
        units = GaugeMetricFamily(
            "backorder_open_units",
            "Units customers are waiting for, by supplier",
            labels=["supplier"],
        )
        for row in overview.suppliers:
            units.add_metric([row.supplier], row.waiting_units)
        yield units
        yield GaugeMetricFamily(
            "backorder_unplaced_lines",
            "Order lines the bot could not place (no SKU or unknown SKU)",
            value=overview.unplaced_lines,
        )
        yield GaugeMetricFamily(
            "backorder_outbox_pending",
            "Messages for Slack waiting in the outbox (growing: Slack refuses or is away)",
            value=self.outbox()[0],
        )


class Metrics:
    """One registry per bot, so tests can run several bots in one process."""

    def __init__(
        self,
        overview: Callable[[], Overview] | None = None,
        outbox: Callable[[], tuple[int, object]] | None = None,
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
        if overview is not None and outbox is not None:
            self.registry.register(BacklogCollector(overview, outbox))

    def render(self) -> bytes:
        return generate_latest(self.registry)
