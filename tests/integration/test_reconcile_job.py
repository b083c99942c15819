"""The scheduled `reconcile` job: on when store keys are set, every `stores.reconcile_every`,
each run reading what the stores changed since the previous one (clock injected)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import jobs
from bot.config import parse_config
from bot.facade import Backorders
from bot.scheduling.scheduler import job_specs
from storage.db import Database
from tests.support.builders import T0, catalog
from tests.support.store_apis import fake_shopify, shopify_env, shopify_order

CONFIG = {"slack": {"channel": "C0PURCHASE"}}


def reconcile_spec(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], **stores: str) -> object:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    specs = job_specs(parse_config(CONFIG | ({"stores": stores} if stores else {})))
    return next((spec for spec in specs if spec.id == "reconcile"), None)


def test_the_job_runs_hourly_by_default_once_a_store_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SHOPIFY_SHOP", "SHOPIFY_ADMIN_TOKEN", "WOOCOMMERCE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert reconcile_spec(monkeypatch, {}) is None
    with fake_shopify() as shop:
        spec = reconcile_spec(monkeypatch, shopify_env(shop))
        assert spec is not None
        assert spec.trigger.interval == timedelta(hours=1)  # type: ignore[attr-defined]
        assert reconcile_spec(monkeypatch, shopify_env(shop), reconcile_every="0") is None


def test_each_run_reads_from_where_the_last_one_stopped(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [T0]
    desk = Backorders(database, lambda: now[0], parse_config(CONFIG))
    desk.import_catalog(catalog(("TUBE", 0)))
    jobs.install(desk)
    with fake_shopify() as shop:
        for name, value in shopify_env(shop).items():
            monkeypatch.setenv(name, value)
        shop.orders = [shopify_order(1001, [("TUBE", 2)], T0 - timedelta(hours=5))]
        assert jobs.JOBS["reconcile"]() == ["Shopify: 1 read, 1 new, 0 changed"]
        assert desk.sku("TUBE").waiting_units == 2

        shop.orders.append(shopify_order(1002, [("TUBE", 1)], T0 + timedelta(minutes=30)))
        now[0] = T0 + timedelta(hours=1)
        assert jobs.JOBS["reconcile"]() == ["Shopify: 1 read, 1 new, 0 changed"]
        queries = [request["variables"]["query"] for request in shop.requests]
        # the first run reads two days back; the next from the last run, five minutes early
        assert queries == [
            "updated_at:>='2026-10-31T09:00:00Z'",
            "updated_at:>='2026-11-02T08:55:00Z'",
        ]
        assert desk.sku("TUBE").waiting_units == 3
