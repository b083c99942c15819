"""Write-back to the stores, client by client, against the loopback fakes: what Shopify refuses
for good, THROTTLED waited out, refused WooCommerce keys named, and `stores.write_back` checked."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, parse_config
from handlers.stores import ShopifyAccess, WooCommerceAccess
from handlers.stores.http import StoreHttp, StoreRefused
from handlers.stores.shopify_writes import ShopifyOrderMarks, ShopifyRejected
from handlers.stores.woocommerce_writes import WooCommerceNotes
from tests.support.store_apis import SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET
from tests.support.store_write_apis import writable_shopify, writable_woocommerce

SLACK = {"slack": {"channel": "C0PURCHASE"}}
NO_WAIT = StoreHttp(sleep=lambda _s: None)


def test_write_back_is_off_unless_a_store_is_named() -> None:
    assert parse_config(SLACK).write_back == frozenset()
    on = parse_config(SLACK | {"stores": {"write_back": {"shopify": True, "woocommerce": False}}})
    assert on.write_back == frozenset({"shopify"})


@pytest.mark.parametrize(
    ("write_back", "named"),
    [({"magento": True}, "stores.write_back.magento"), ({"shopify": "yes"}, "true or false")],
)
def test_a_bad_write_back_stops_the_bot_naming_it(write_back: object, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        parse_config(SLACK | {"stores": {"write_back": write_back}})


def test_an_order_shopify_does_not_know_is_refused_for_good() -> None:
    with writable_shopify() as shop:
        shop.unknown.add("1001")
        marks = ShopifyOrderMarks(ShopifyAccess("s.myshopify.com", SHOPIFY_TOKEN, shop.url))
        with pytest.raises(ShopifyRejected, match="Order does not exist"):
            marks.add_tags("1001", ["backordered"])
        with pytest.raises(ShopifyRejected, match="no order 1001"):
            marks.add_note_line("1001", "Backorder Bot: ...")
    assert shop.writes == []


def test_throttled_and_429_are_waited_out_and_the_tag_lands_once() -> None:
    with writable_shopify() as shop:
        shop.write_faults += ["throttled", "429"]
        marks = ShopifyOrderMarks(
            ShopifyAccess("s.myshopify.com", SHOPIFY_TOKEN, shop.url), NO_WAIT
        )
        marks.add_tags("1001", ["delayed"])
        marks.add_tags("1001", ["delayed"])
    assert shop.tags == {"1001": ["delayed"]}


def test_the_note_line_keeps_what_the_order_note_said() -> None:
    with writable_shopify() as shop:
        shop.note["1001"] = "Gift wrap, please"
        marks = ShopifyOrderMarks(ShopifyAccess("s.myshopify.com", SHOPIFY_TOKEN, shop.url))
        assert marks.add_note_line("1001", "Backorder Bot: told") == "added"
        assert marks.add_note_line("1001", "Backorder Bot: told") == "already there"
    assert shop.note["1001"] == "Gift wrap, please\nBackorder Bot: told"


def test_refused_woocommerce_keys_name_the_variables_and_write_nothing() -> None:
    with writable_woocommerce() as woo:
        notes = WooCommerceNotes(WooCommerceAccess(woo.url, WOO_KEY, "wrong"))
        with pytest.raises(StoreRefused, match="WOOCOMMERCE_KEY and WOOCOMMERCE_SECRET"):
            notes.add_customer_note("727", "Part of your order ...")
        right = WooCommerceNotes(WooCommerceAccess(woo.url, WOO_KEY, WOO_SECRET))
        assert right.add_customer_note("727", "Hello") == "added"
        assert right.add_customer_note("727", "Hello") == "already there"
    assert woo.writes == [("note", "727", "Hello")]
