"""`python -m bot reconcile` against loopback fakes of Shopify's and WooCommerce's APIs: orders
whose webhook never came are found, and a second run changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.facade import Backorders
from domain.model import Delivery
from handlers.stores.shopify import rest_order
from handlers.webhooks import shopify, woocommerce
from storage.catalog_csv import read_catalog_file
from storage.db import Database
from storage.reconciliations import Reconciliations
from tests.e2e.test_cli import bot_command, write_catalog
from tests.support.store_apis import (
    fake_shopify,
    fake_woocommerce,
    shopify_env,
    shopify_order,
    woocommerce_env,
    woocommerce_order,
)

NOW = datetime.now(UTC).replace(microsecond=0)


def stocked(database: Database, tmp_path: Path) -> dict[str, str]:
    """A catalog with one inner tube in stock; the environment the commands run in."""
    book = write_catalog(tmp_path / "catalog.xlsx", [["TUBE", "Inner tube", "Acme", 1, 1, 3.2]])
    Backorders(database).import_catalog(read_catalog_file(book, {}, 7).catalog)
    # Retries come at once: the fakes' 429, THROTTLED and 500 are about which requests are made
    # again, and real waits only slowed the file and ate into each command's timeout.
    return {"DATABASE_URL": database.url, "STORE_RETRY_MAX_WAIT": "0"}


def woocommerce_webhook(database: Database, data: dict[str, Any], key: str) -> None:
    """The version a WooCommerce webhook brought, read by the webhook's own parser."""
    order = woocommerce.read_order(data, NOW)
    Backorders(database).ingest(Delivery(order.source, key, "order.updated", order))


def shopify_webhook(database: Database, node: dict[str, Any], key: str) -> None:
    """The version a Shopify webhook brought (its REST shape), read by the webhook's parser."""
    order = shopify.read_order(rest_order(node, node["lineItems"]["nodes"]), NOW)
    Backorders(database).ingest(Delivery(order.source, key, "orders/updated", order))


def waiting(database: Database, number: str) -> int:
    return sum(order.waiting_units for order in Backorders(database).order(number))


def test_shopify_an_order_webhooks_missed_is_found_and_a_second_run_changes_nothing(
    database: Database, tmp_path: Path
) -> None:
    env = stocked(database, tmp_path)
    with fake_shopify() as shop:
        shop.orders = [
            shopify_order(1002, [("TUBE", 1)], NOW - timedelta(hours=3)),
            shopify_order(1001, [("TUBE", 3)], NOW - timedelta(hours=1)),
        ]
        shopify_webhook(database, shop.orders[0], "webhook-1002")
        env |= shopify_env(shop)
        first = bot_command("reconcile", "--since", "2d", env=env)
        assert first.returncode == 0, first.stderr
        assert "Shopify: 2 read, 1 new, 0 changed." in first.stdout
        assert waiting(database, "1001") == 3  # the webhook's order took the only tube
        tube = Backorders(database).sku("TUBE")

        again = bot_command("reconcile", "--since", "2d", env=env)
        assert "Shopify: 2 read, 0 new, 0 changed." in again.stdout
        assert Backorders(database).sku("TUBE") == tube
        since_last = bot_command("reconcile", env=env)
        assert "Shopify: 0 read, 0 new, 0 changed." in since_last.stdout
    assert Reconciliations(database).orders_found(NOW - timedelta(days=1)) == 1


def test_woocommerce_an_order_webhooks_missed_is_found_and_a_second_run_changes_nothing(
    database: Database, tmp_path: Path
) -> None:
    env = stocked(database, tmp_path)
    with fake_woocommerce() as store:
        store.orders = [
            woocommerce_order(501, [("TUBE", 1)], NOW - timedelta(hours=3)),
            woocommerce_order(502, [("TUBE", 2)], NOW - timedelta(hours=1)),
        ]
        woocommerce_webhook(database, store.orders[0], "webhook-501")
        env |= woocommerce_env(store)
        first = bot_command("reconcile", "--since", "2d", env=env)
        assert first.returncode == 0, first.stderr
        assert "WooCommerce: 2 read, 1 new, 0 changed." in first.stdout
        assert waiting(database, "502") == 2
        again = bot_command("reconcile", "--since", "2d", env=env)
        assert "WooCommerce: 2 read, 0 new, 0 changed." in again.stdout
        assert waiting(database, "502") == 2


def test_a_cancellation_webhooks_missed_is_applied(database: Database, tmp_path: Path) -> None:
    env = stocked(database, tmp_path)
    with fake_woocommerce() as store:
        store.orders = [woocommerce_order(502, [("TUBE", 3)], NOW - timedelta(hours=2))]
        env |= woocommerce_env(store)
        first = bot_command("reconcile", "--since", "2d", env=env)
        assert "WooCommerce: 1 read, 1 new, 0 changed." in first.stdout, first.stderr
        assert waiting(database, "502") == 2
        store.orders = [
            woocommerce_order(502, [("TUBE", 3)], NOW - timedelta(hours=1), "cancelled")
        ]
        result = bot_command("reconcile", "--since", "2d", env=env)
        assert "WooCommerce: 1 read, 0 new, 1 changed." in result.stdout
        assert waiting(database, "502") == 0
        assert Backorders(database).sku("TUBE").on_hand == 1


def test_pages_rate_limits_and_a_server_error_are_waited_out(
    database: Database, tmp_path: Path
) -> None:
    env = stocked(database, tmp_path)
    with fake_shopify() as shop, fake_woocommerce() as store:
        shop.orders = [
            shopify_order(2000 + n, [("TUBE", 1)], NOW - timedelta(minutes=n)) for n in range(25)
        ]
        shop.faults = ["429", "throttled", "500"]
        store.orders = [
            woocommerce_order(3000 + n, [("TUBE", 1)], NOW - timedelta(minutes=n))
            for n in range(250)
        ]
        store.faults = ["429", "500"]
        shopify = bot_command("reconcile", "--since", "2d", env=env | shopify_env(shop))
        result = bot_command("reconcile", "--since", "2d", env=env | woocommerce_env(store))
    assert "Shopify: 25 read, 25 new, 0 changed." in shopify.stdout, shopify.stderr
    assert "WooCommerce: 250 read, 250 new, 0 changed." in result.stdout, result.stderr
    pages = [request["page"] for request in store.requests]
    assert pages == ["1", "1", "1", "2", "3"]  # a 429 and a 500, then three pages
    cursors = [request["variables"]["after"] for request in shop.requests]
    assert cursors == [None, None, None, None, "10", "20"]  # 429, THROTTLED, 500, 3 pages
    assert len(Backorders(database).order("2024")) == 1


@pytest.mark.parametrize(
    ("store_env", "variables"),
    [
        ("shopify", "SHOPIFY_ADMIN_TOKEN"),
        ("woocommerce", "WOOCOMMERCE_KEY and WOOCOMMERCE_SECRET"),
    ],
)
def test_keys_a_store_refuses_exit_2_naming_the_variables(
    database: Database, tmp_path: Path, store_env: str, variables: str
) -> None:
    env = {"DATABASE_URL": database.url}
    with fake_shopify() as shop, fake_woocommerce() as store:
        wrong = (
            shopify_env(shop, token="shpat_revoked")
            if store_env == "shopify"
            else woocommerce_env(store, secret="cs_wrong")
        )
        result = bot_command("reconcile", env=env | wrong)
    assert result.returncode == 2
    assert "HTTP 401" in result.stderr and f"check {variables}" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_store_keys_reconcile_says_which_to_set(database: Database) -> None:
    result = bot_command("reconcile", env={"DATABASE_URL": database.url})
    assert result.returncode == 2
    assert "SHOPIFY_ADMIN_TOKEN" in result.stderr and "WOOCOMMERCE_KEY" in result.stderr
    assert "Traceback" not in result.stderr
