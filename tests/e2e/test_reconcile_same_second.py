"""`python -m bot reconcile` against the stores' fakes when the store changed an order within
the second of the version a webhook brought (stores date versions to the second): the version
the webhook missed is applied, as ingestion would rank it, and reading it again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.db import Database
from tests.e2e.test_cli import bot_command
from tests.e2e.test_reconcile import shopify_webhook, stocked, waiting, woocommerce_webhook
from tests.support.store_apis import (
    fake_shopify,
    fake_woocommerce,
    shopify_env,
    shopify_order,
    woocommerce_env,
    woocommerce_order,
)

AT = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def test_a_larger_quantity_in_the_same_second_as_the_webhooks_version_is_applied(
    database: Database, tmp_path: Path
) -> None:
    env = stocked(database, tmp_path)
    with fake_shopify() as shop:
        shopify_webhook(database, shopify_order(1001, [("TUBE", 1)], AT), "webhook-1")
        assert waiting(database, "1001") == 0  # the one tube in stock
        shop.orders = [shopify_order(1001, [("TUBE", 3)], AT)]  # same second, 3 tubes
        first = bot_command("reconcile", "--since", "2d", env=env | shopify_env(shop))
        assert "Shopify: 1 read, 0 new, 1 changed." in first.stdout, first.stderr
        assert waiting(database, "1001") == 2
        again = bot_command("reconcile", "--since", "2d", env=env | shopify_env(shop))
        assert "Shopify: 1 read, 0 new, 0 changed." in again.stdout, again.stderr
    assert waiting(database, "1001") == 2


def test_a_later_status_in_the_same_second_is_applied_so_a_late_retry_rolls_nothing_back(
    database: Database, tmp_path: Path
) -> None:
    env = stocked(database, tmp_path)
    pending = woocommerce_order(502, [("TUBE", 1)], AT, "pending")
    woocommerce_webhook(database, pending, "webhook-pending")
    processing = woocommerce_order(502, [("TUBE", 3)], AT, "processing")
    with fake_woocommerce() as store:
        store.orders = [processing]
        first = bot_command("reconcile", "--since", "2d", env=env | woocommerce_env(store))
        assert "WooCommerce: 1 read, 0 new, 1 changed." in first.stdout, first.stderr
    assert waiting(database, "502") == 2
    # The pending version's webhook, retried late by the store: processing ranks later.
    woocommerce_webhook(database, pending, "webhook-pending-retry")
    assert waiting(database, "502") == 2


def test_the_webhooks_own_version_read_again_changes_nothing(
    database: Database, tmp_path: Path
) -> None:
    env = stocked(database, tmp_path)
    processing = woocommerce_order(502, [("TUBE", 3)], AT, "processing")
    woocommerce_webhook(database, processing, "webhook-processing")
    with fake_woocommerce() as store:
        store.orders = [processing]
        result = bot_command("reconcile", "--since", "2d", env=env | woocommerce_env(store))
    assert "WooCommerce: 1 read, 0 new, 0 changed." in result.stdout, result.stderr
    assert waiting(database, "502") == 2
