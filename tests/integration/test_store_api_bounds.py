"""What a store's API may send that has no end: answers past the size cap, Shopify pages that
promise more without a new cursor, and more pages than one run reads. Each stops with a message
naming the store, against the loopback fakes of both APIs, never a loop or a full memory."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.config import ConfigError
from bot.reconciling import max_wait_from
from handlers.stores import ShopifyOrders, StoreUnavailable, WooCommerceOrders
from handlers.stores.http import StoreHttp
from handlers.stores.shopify import ShopifyAccess
from handlers.stores.woocommerce import WooCommerceAccess
from tests.support.store_apis import (
    SHOPIFY_TOKEN,
    WOO_KEY,
    WOO_SECRET,
    FakeStore,
    fake_shopify,
    fake_woocommerce,
    shopify_order,
    woocommerce_order,
)

NOW = datetime.now(UTC).replace(microsecond=0)


def shopify(shop: FakeStore, **options: Any) -> ShopifyOrders:
    access = ShopifyAccess("bike-shop.myshopify.com", SHOPIFY_TOKEN, shop.url)
    return ShopifyOrders(access, StoreHttp(sleep=lambda _: None, **_http(options)), **_own(options))


def woocommerce(store: FakeStore, **options: Any) -> WooCommerceOrders:
    access = WooCommerceAccess(store.url, WOO_KEY, WOO_SECRET)
    http = StoreHttp(sleep=lambda _: None, **_http(options))
    return WooCommerceOrders(access, http, **_own(options))


def _http(options: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k == "max_answer_bytes"}


def _own(options: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k == "max_pages"}


def read_all(orders: ShopifyOrders | WooCommerceOrders) -> list[Any]:
    return list(orders.changed(NOW - timedelta(days=2), NOW))


def shopify_orders(count: int) -> list[dict[str, Any]]:
    return [
        shopify_order(2000 + n, [("TUBE", 1)], NOW - timedelta(minutes=n)) for n in range(count)
    ]


def test_an_answer_past_16_mb_is_refused_naming_the_store_and_the_cap() -> None:
    with fake_shopify() as shop:
        shop.orders = shopify_orders(1)
        shop.padding = 16 * 1024 * 1024
        with pytest.raises(StoreUnavailable, match=r"^Shopify sent an answer larger than 16 MB"):
            read_all(shopify(shop))
    assert len(shop.requests) == 1  # not asked again: it would send the same


def test_a_woocommerce_answer_past_the_cap_is_refused_and_not_retried() -> None:
    with fake_woocommerce() as store:
        store.orders = [woocommerce_order(501, [("TUBE", 1)], NOW)]
        store.padding = 5000
        with pytest.raises(
            StoreUnavailable, match=r"^WooCommerce sent an answer larger than 4,000 bytes"
        ):
            read_all(woocommerce(store, max_answer_bytes=4000))
        store.padding = 0
        assert len(read_all(woocommerce(store))) == 1
    assert len(store.requests) == 2


@pytest.mark.parametrize(
    ("paging", "said"), [("repeat", "the endCursor '10' again"), ("missing", "no endCursor")]
)
def test_shopify_saying_more_pages_without_a_new_cursor_stops_reading(
    paging: str, said: str
) -> None:
    with fake_shopify() as shop:
        shop.orders = shopify_orders(25)
        shop.paging = paging
        orders = shopify(shop).changed(NOW - timedelta(days=2), NOW)
        read = []
        with pytest.raises(
            StoreUnavailable, match=f"Shopify said there are more orders but gave {said}"
        ):
            for order in orders:
                read.append(order)
    assert len(read) <= 20 and len(shop.requests) <= 2


def test_more_shopify_pages_than_a_run_reads_stop_with_a_message() -> None:
    with fake_shopify() as shop:
        shop.orders = shopify_orders(25)
        with pytest.raises(
            StoreUnavailable, match="more than 2 pages of orders, the most one run reads"
        ):
            read_all(shopify(shop, max_pages=2))
        assert len(read_all(shopify(shop, max_pages=3))) == 25  # three pages are within three
    cursors = [request["variables"]["after"] for request in shop.requests]
    assert cursors == [None, "10", None, "10", "20"]


def test_more_woocommerce_pages_than_a_run_reads_stop_with_a_message() -> None:
    with fake_woocommerce() as store:
        store.orders = [woocommerce_order(3000 + n, [("TUBE", 1)], NOW) for n in range(250)]
        with pytest.raises(StoreUnavailable, match="WooCommerce had more than 2 pages of orders"):
            read_all(woocommerce(store, max_pages=2))
    assert [request["page"] for request in store.requests] == ["1", "2"]


@pytest.mark.parametrize(("text", "seconds"), [("", 60.0), ("0", 0.0), (" 2.5 ", 2.5)])
def test_the_longest_retry_wait_is_an_operators_setting(text: str, seconds: float) -> None:
    assert max_wait_from({"STORE_RETRY_MAX_WAIT": text}) == seconds


@pytest.mark.parametrize("text", ["soon", "-1", "7200"])
def test_a_retry_wait_that_is_not_seconds_is_refused_naming_the_variable(text: str) -> None:
    with pytest.raises(
        ConfigError, match=f"STORE_RETRY_MAX_WAIT must be seconds from 0 to 3600, not '{text}'"
    ):
        max_wait_from({"STORE_RETRY_MAX_WAIT": text})
