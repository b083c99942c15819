"""Shopify orders changed in a window, from the Admin GraphQL API (`orders`, newest last).

Each order is turned into the REST shape its webhook carries and read by the webhook parser,
so both paths agree on names, lines and cancellations. Shopify limits by query cost: a
`THROTTLED` answer is waited out for as long as its `throttleStatus` says.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.model import IncomingOrder, OrderSource
from handlers.stores.http import StoreHttp, StoreRefused, StoreUnavailable, checked_base_url
from handlers.stores.orders import Fetched, Refused, read_or_refuse
from handlers.webhooks import shopify as webhook

API_VERSION = "2025-01"
ORDERS_PER_PAGE = 10
LINES_PER_PAGE = 90  # 10 orders of 90 lines stay under the 1,000-point query cost limit
MAX_THROTTLED = 10
MAX_PAGES = 1000  # pages of orders (and of one order's lines) per run: 10,000 orders
_LINE = "id sku name title quantity currentQuantity requiresShipping isGiftCard unfulfilledQuantity"
_ORDER = "id legacyResourceId name createdAt updatedAt cancelledAt email test"
ORDERS_QUERY = f"""
query ChangedOrders($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {_ORDER}
      lineItems(first: {LINES_PER_PAGE}) {{
        pageInfo {{ hasNextPage endCursor }} nodes {{ {_LINE} }}
      }}
    }}
  }}
}}"""
LINES_QUERY = f"""
query OrderLines($id: ID!, $after: String) {{
  order(id: $id) {{
    lineItems(first: 250, after: $after) {{
      pageInfo {{ hasNextPage endCursor }} nodes {{ {_LINE} }}
    }}
  }}
}}"""


@dataclass(frozen=True)
class ShopifyAccess:
    """`SHOPIFY_SHOP`, `SHOPIFY_ADMIN_TOKEN` and, for tests, `SHOPIFY_API_URL`."""

    shop: str
    token: str = field(repr=False)
    api_url: str | None = None

    def endpoint(self) -> str:
        base = checked_base_url(self.api_url or f"https://{self.shop}", "SHOPIFY_API_URL")
        return f"{base}/admin/api/{API_VERSION}/graphql.json"


class ShopifyOrders:
    source = OrderSource.SHOPIFY

    def __init__(
        self, access: ShopifyAccess, http: StoreHttp | None = None, max_pages: int = MAX_PAGES
    ) -> None:
        self.access = access
        self.http = http or StoreHttp()
        self.max_pages = max_pages

    def changed(self, since: datetime, now: datetime) -> Iterator[Fetched]:
        """Every order updated at or after `since`, oldest change first."""
        variables: dict[str, Any] = {
            "first": ORDERS_PER_PAGE,
            "after": None,
            "query": f"updated_at:>='{since:%Y-%m-%dT%H:%M:%SZ}'",
        }
        pages = Pages("orders", self.max_pages)
        while True:
            page = _part(self._query(ORDERS_QUERY, variables), "orders")
            for node in _nodes(page, "orders"):
                yield self._order(node, now)
            variables["after"] = pages.next_cursor(page)
            if variables["after"] is None:
                return

    def _order(self, node: dict[str, Any], now: datetime) -> IncomingOrder | Refused:
        items = _part(node, "lineItems", "an order")
        lines = _nodes(items, "lineItems")
        pages = Pages(f"the lines of order {node.get('name') or node.get('id')}", self.max_pages)
        while (after := pages.next_cursor(items)) is not None:
            variables = {"id": node.get("id"), "after": after}
            items = _part(_part(self._query(LINES_QUERY, variables), "order"), "lineItems", "order")
            lines += _nodes(items, "lineItems")
        return read_or_refuse(webhook.read_order, rest_order(node, lines), now)

    def _query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return graphql(self.http, self.access, query, variables, "read_orders")


class Pages:
    """Cursor paging that always moves on: a next page without a new cursor, or more pages
    than a run reads, stops with a message rather than asking for the same page for ever."""

    def __init__(self, what: str, limit: int) -> None:
        self.what = what
        self.limit = limit
        self.cursors: set[str] = set()

    def next_cursor(self, connection: dict[str, Any]) -> str | None:
        """The cursor of the page after `connection`, None when it was the last."""
        info = _part(connection, "pageInfo", self.what)
        if not info.get("hasNextPage"):
            return None
        cursor = info.get("endCursor")
        if not isinstance(cursor, str) or not cursor or cursor in self.cursors:
            said = "no endCursor" if not cursor else f"the endCursor {str(cursor)[:60]!r} again"
            raise StoreUnavailable(
                f"Shopify said there are more {self.what} but gave {said}: stopped reading, "
                "as the next page would be one already read"
            )
        if len(self.cursors) + 1 >= self.limit:
            raise StoreUnavailable(
                f"Shopify had more than {self.limit:,} pages of {self.what}, the most one run "
                "reads: run `python -m bot reconcile --since` with a shorter window"
            )
        self.cursors.add(cursor)
        return cursor


def graphql(
    http: StoreHttp, access: ShopifyAccess, query: str, variables: dict[str, Any], scope: str
) -> dict[str, Any]:
    """One Admin GraphQL call: THROTTLED waited out by its cost figures, errors named; a refused
    token names the variable and the `scope` the call needs."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-Shopify-Access-Token": access.token,
    }
    endpoint = access.endpoint()  # a refused URL is no credentials' fault
    for _ in range(MAX_THROTTLED):
        try:
            reply = http.send(endpoint, headers, "Shopify", body)
        except StoreRefused as refused:
            raise StoreRefused(
                f"{refused}: check SHOPIFY_ADMIN_TOKEN for {access.shop} "
                f"(an Admin API token with the {scope} scope)"
            ) from None
        answer = reply.json("Shopify")
        if not isinstance(answer, dict):
            raise StoreUnavailable("Shopify answered with something that is not an object")
        wait = throttled_for(answer)
        if wait is None:
            return _data(answer)
        http.wait(wait)
    raise StoreUnavailable(f"Shopify kept answering THROTTLED ({MAX_THROTTLED} tries)")


def throttled_for(answer: dict[str, Any]) -> float | None:
    """Seconds until the query's cost is available again when Shopify said THROTTLED, else None."""
    errors = answer.get("errors") or []
    codes = (
        [e.get("extensions") for e in errors if isinstance(e, dict)]
        if isinstance(errors, list)
        else []
    )
    if not any(isinstance(c, dict) and c.get("code") == "THROTTLED" for c in codes):
        return None
    cost = (answer.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    missing = float(cost.get("requestedQueryCost") or 0) - float(
        status.get("currentlyAvailable") or 0
    )
    rate = float(status.get("restoreRate") or 0)
    return max(missing, 0.0) / rate if rate > 0 else 1.0


def _data(answer: dict[str, Any]) -> dict[str, Any]:
    errors = answer.get("errors")
    if errors:
        listed = errors if isinstance(errors, list) else [errors]
        messages = "; ".join(
            str(e.get("message")) if isinstance(e, dict) else str(e) for e in listed
        )
        raise StoreUnavailable(f"Shopify answered with errors: {messages[:300]}")
    if not isinstance(answer.get("data"), dict):
        raise StoreUnavailable("Shopify answered without data")
    return answer["data"]


def _part(obj: dict[str, Any], key: str, within: str = "the answer") -> dict[str, Any]:
    """`obj[key]`, an object; anything else is an answer the bot cannot read, not a traceback."""
    value = obj.get(key)
    if not isinstance(value, dict):
        raise StoreUnavailable(f"Shopify answered without {key} in {within}")
    return value


def _nodes(connection: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """A connection's `nodes`, each an object."""
    nodes = connection.get("nodes")
    if not isinstance(nodes, list) or not all(isinstance(node, dict) for node in nodes):
        raise StoreUnavailable(f"Shopify answered {key} without a list of nodes")
    return nodes


def rest_order(node: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    """A GraphQL Order as the REST Order its webhook carries."""
    return {
        "id": _legacy_id(node.get("legacyResourceId") or node.get("id")),
        "name": node.get("name"),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "email": node.get("email"),
        "test": node.get("test"),
        "line_items": [_rest_line(line) for line in lines],
    }


def _rest_line(line: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": _legacy_id(line.get("id")),
        "sku": line.get("sku"),
        "name": line.get("name"),
        "title": line.get("title"),
        "quantity": line.get("quantity"),
        "current_quantity": line.get("currentQuantity"),
        "requires_shipping": line.get("requiresShipping"),
        "gift_card": line.get("isGiftCard"),
        "fulfillable_quantity": line.get("unfulfilledQuantity"),
    }


def _legacy_id(value: object) -> object:
    """`gid://shopify/LineItem/866550311` is line 866550311 in the REST API."""
    text = str(value)
    tail = text.rsplit("/", 1)[-1] if text.startswith("gid://") else text
    return int(tail) if tail.isdigit() else value
