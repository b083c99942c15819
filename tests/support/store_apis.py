"""Loopback fakes of Shopify's Admin GraphQL API and WooCommerce's REST API, serving orders in
the shapes the stores document: cursor pages (Shopify), numbered pages with X-WP-TotalPages
(WooCommerce), 401 for wrong keys, and faults queued by a test (429 with Retry-After, Shopify's
THROTTLED with its cost figures, 500)."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SHOPIFY_TOKEN = "shpat_test_token"
WOO_KEY, WOO_SECRET = "ck_test_key", "cs_test_secret"


class FakeStore:
    """Orders, queued faults, and the requests that came in."""

    def __init__(self) -> None:
        self.orders: list[dict[str, Any]] = []
        self.faults: list[str] = []  # "429", "throttled", "500": served before the next answer
        self.requests: list[dict[str, Any]] = []
        self.paging = ""  # Shopify: "repeat" its endCursor, or give it "missing", on every page
        self.padding = 0  # bytes of filler in each answer, to make it as large as a test needs
        self.lock = threading.Lock()
        self.url = ""

    def next_fault(self) -> str | None:
        with self.lock:
            return self.faults.pop(0) if self.faults else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def shopify_order(
    order_id: int, lines: list[tuple[str, int]], updated: datetime, **fields: Any
) -> dict[str, Any]:
    """An Admin GraphQL `Order` node with the fields the bot asks for."""
    items = [
        {
            "id": f"gid://shopify/LineItem/{order_id * 100 + index}",
            "sku": sku,
            "name": f"Product {sku}",
            "title": f"Product {sku}",
            "quantity": quantity,
            "currentQuantity": quantity,
            "requiresShipping": True,
            "isGiftCard": False,
            "unfulfilledQuantity": quantity,
        }
        for index, (sku, quantity) in enumerate(lines)
    ]
    node = {
        "id": f"gid://shopify/Order/{order_id}",
        "legacyResourceId": str(order_id),
        "name": f"#{order_id}",
        "createdAt": _iso(updated),
        "updatedAt": _iso(updated),
        "cancelledAt": None,
        "email": "customer@example.com",
        "test": False,
        "lineItems": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": items},
    }
    return node | fields


def woocommerce_order(
    order_id: int, lines: list[tuple[str, int]], modified: datetime, status: str = "processing"
) -> dict[str, Any]:
    """A v3 REST order, as `GET /wp-json/wc/v3/orders` lists it."""
    stamp = modified.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "id": order_id,
        "number": str(order_id),
        "status": status,
        "date_created": stamp,
        "date_created_gmt": stamp,
        "date_modified": stamp,
        "date_modified_gmt": stamp,
        "billing": {"email": "customer@example.com"},
        "line_items": [
            {"id": order_id * 100 + index, "name": f"Product {sku}", "sku": sku, "quantity": qty}
            for index, (sku, qty) in enumerate(lines)
        ],
    }


class _Handler(BaseHTTPRequestHandler):
    store: FakeStore

    def log_message(self, *args: object) -> None:
        pass

    def answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        if self.store.padding:  # JSON allows whitespace after the value
            data += b" " * self.store.padding
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def common_fault(self, fault: str | None) -> bool:
        if fault == "429":
            self.answer(429, {"errors": "Exceeded 2 calls per second"}, {"Retry-After": "0.2"})
        elif fault == "500":
            self.answer(500, {"errors": "Internal Server Error"})
        return fault in ("429", "500")


class _ShopifyHandler(_Handler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.store.requests.append(body)
        if self.path != "/admin/api/2025-01/graphql.json":
            return self.answer(404, {"errors": "Not Found"})
        if self.headers.get("X-Shopify-Access-Token") != SHOPIFY_TOKEN:
            message = "[API] Invalid API key or access token (unrecognized login or wrong password)"
            return self.answer(401, {"errors": message})
        fault = self.store.next_fault()
        if self.common_fault(fault):
            return None
        if fault == "throttled":
            return self.answer(200, _throttled())
        return self.answer(200, {"data": {"orders": self._page(body["variables"])}} | _cost())

    def _page(self, variables: dict[str, Any]) -> dict[str, Any]:
        since = re.fullmatch(r"updated_at:>='(.+)'", variables["query"])
        assert since, variables["query"]
        start = since[1]
        matching = sorted(
            (o for o in self.store.orders if o["updatedAt"] >= start), key=lambda o: o["updatedAt"]
        )
        offset = int(variables["after"] or 0)
        page = matching[offset : offset + variables["first"]]
        end = offset + len(page)
        info = {"hasNextPage": end < len(matching), "endCursor": str(end) if page else None}
        if self.store.paging == "repeat":  # a store stuck on one page: always the first cursor
            info["endCursor"] = str(variables["first"])
        elif self.store.paging == "missing":
            info["endCursor"] = None
        return {"pageInfo": info, "nodes": page}


def _cost() -> dict[str, Any]:
    status = {"maximumAvailable": 1000.0, "currentlyAvailable": 990, "restoreRate": 50.0}
    cost = {"requestedQueryCost": 920, "actualQueryCost": 10, "throttleStatus": status}
    return {"extensions": {"cost": cost}}


def _throttled() -> dict[str, Any]:
    """Shopify's answer when the bucket lacks the query's cost: 10 points short, at 50 a second."""
    status = {"maximumAvailable": 1000.0, "currentlyAvailable": 910, "restoreRate": 50.0}
    error = {
        "message": "Throttled",
        "extensions": {
            "code": "THROTTLED",
            "documentation": "https://shopify.dev/api/usage/rate-limits",
        },
    }
    cost = {"requestedQueryCost": 920, "actualQueryCost": None, "throttleStatus": status}
    return {"errors": [error], "extensions": {"cost": cost}}


class _WooHandler(_Handler):
    per_page_limit = 100

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        self.store.requests.append(query)
        if parts.path != "/wp-json/wc/v3/orders":
            return self.answer(404, {"code": "rest_no_route", "data": {"status": 404}})
        expected = base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()
        if self.headers.get("Authorization") != f"Basic {expected}":
            refusal = {
                "code": "woocommerce_rest_cannot_view",
                "message": "Sorry, you cannot list resources.",
                "data": {"status": 401},
            }
            return self.answer(401, refusal)
        if self.common_fault(self.store.next_fault()):
            return None
        return self._page(query)

    def _page(self, query: dict[str, str]) -> None:
        assert query.get("dates_are_gmt") == "true"
        after = query["modified_after"]
        matching = sorted(
            (o for o in self.store.orders if o["date_modified_gmt"] > after), key=lambda o: o["id"]
        )
        per_page, page = int(query["per_page"]), int(query.get("page", 1))
        pages = max(1, -(-len(matching) // per_page))
        body = matching[(page - 1) * per_page : page * per_page]
        headers = {"X-WP-Total": str(len(matching)), "X-WP-TotalPages": str(pages)}
        self.answer(200, body, headers)


@contextmanager
def serving(handler: type[_Handler], store: FakeStore | None = None) -> Iterator[FakeStore]:
    """`handler` on a loopback port, answering from `store` (a new FakeStore by default)."""
    store = store or FakeStore()
    bound = type(handler.__name__, (handler,), {"store": store})
    server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    store.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield store
    finally:
        server.shutdown()
        server.server_close()


def fake_shopify() -> Any:
    return serving(_ShopifyHandler)


def fake_woocommerce() -> Any:
    return serving(_WooHandler)


def shopify_env(store: FakeStore, token: str = SHOPIFY_TOKEN) -> dict[str, str]:
    return {
        "SHOPIFY_SHOP": "bike-shop.myshopify.com",
        "SHOPIFY_ADMIN_TOKEN": token,
        "SHOPIFY_API_URL": store.url,
    }


def woocommerce_env(store: FakeStore, secret: str = WOO_SECRET) -> dict[str, str]:
    return {"WOOCOMMERCE_URL": store.url, "WOOCOMMERCE_KEY": WOO_KEY, "WOOCOMMERCE_SECRET": secret}
