"""What the stores' APIs may answer that the bot cannot read: each is said in words (the CLI's
`error: ...`, the job's log line), never a Python traceback; a URL the bot refuses is refused
before anything is sent, naming the URL, not the credentials."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handlers.stores import ShopifyOrders, StoreRefused, StoreUnavailable, WooCommerceOrders
from handlers.stores.http import Reply, StoreHttp
from handlers.stores.orders import Refused
from handlers.stores.shopify import ShopifyAccess
from handlers.stores.woocommerce import WooCommerceAccess

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class Answers(StoreHttp):
    """Answers every request with the next body; records the URLs asked."""

    def __init__(self, *bodies: Any) -> None:
        super().__init__(sleep=lambda seconds: None)
        self.bodies = list(bodies)
        self.urls: list[str] = []

    def send(
        self, url: str, headers: Mapping[str, str], what: str, body: bytes | None = None
    ) -> Reply:
        self.urls.append(url)
        return Reply(200, {}, json.dumps(self.bodies.pop(0)).encode())


def shopify(http: StoreHttp, api_url: str = "http://127.0.0.1:9") -> ShopifyOrders:
    return ShopifyOrders(ShopifyAccess("bike-shop.myshopify.com", "shpat_x", api_url), http)


def read_all(orders: ShopifyOrders | WooCommerceOrders) -> list[Any]:
    return list(orders.changed(NOW - timedelta(days=2), NOW))


NO_PAGE = {"hasNextPage": False, "endCursor": None}
SHAPES = {
    "no orders": {"data": {}},
    "orders null": {"data": {"orders": None}},
    "a list": [1, 2],
    "errors as text": {"errors": "Not Found"},
    "an order without lines": {"data": {"orders": {"pageInfo": NO_PAGE, "nodes": [{"id": "1"}]}}},
    "nodes not a list": {"data": {"orders": {"pageInfo": NO_PAGE, "nodes": "x"}}},
}


@pytest.mark.parametrize("answer", SHAPES.values(), ids=SHAPES.keys())
def test_a_shopify_answer_of_another_shape_is_said_in_words(answer: Any) -> None:
    with pytest.raises(StoreUnavailable, match=r"^Shopify answered"):
        read_all(shopify(Answers(answer)))


def test_a_shopify_order_without_an_id_is_refused_and_the_others_read() -> None:
    line = {"id": "gid://shopify/LineItem/7", "sku": "TUBE", "quantity": 1, "name": "Tube"}
    items = {"pageInfo": NO_PAGE, "nodes": [line]}
    node = {"name": "#1", "updatedAt": "2026-11-02T08:00:00Z", "lineItems": items}
    answer = {"data": {"orders": {"pageInfo": NO_PAGE, "nodes": [node]}}}

    [fetched] = read_all(shopify(Answers(answer)))

    assert isinstance(fetched, Refused)


@pytest.mark.parametrize(
    ("orders", "variable"),
    [
        (shopify(Answers(), "http://203.0.113.9:1"), "SHOPIFY_API_URL"),
        (
            WooCommerceOrders(WooCommerceAccess("http://203.0.113.9:1", "ck", "cs"), Answers()),
            "WOOCOMMERCE_URL",
        ),
    ],
)
def test_an_http_url_off_this_machine_is_refused_before_sending_naming_the_url(
    orders: ShopifyOrders | WooCommerceOrders, variable: str
) -> None:
    with pytest.raises(StoreRefused) as refused:
        read_all(orders)

    assert str(refused.value).startswith(f"{variable} must be an https:// URL")
    assert "check" not in str(refused.value)
    assert orders.http.urls == []  # type: ignore[attr-defined]
