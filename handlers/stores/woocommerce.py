"""WooCommerce orders changed in a window, from its REST API (`GET /wp-json/wc/v3/orders`).

The list holds the same v3 orders its webhooks carry, so the webhook parser reads them. Pages
are counted by the `X-WP-TotalPages` header; keys go as HTTP Basic auth, which WooCommerce
accepts over HTTPS.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from domain.model import OrderSource
from handlers.stores.http import StoreHttp, StoreRefused, StoreUnavailable, checked_base_url
from handlers.stores.orders import Fetched, read_or_refuse
from handlers.webhooks import woocommerce as webhook

PER_PAGE = 100  # the most WooCommerce serves in one page
MAX_PAGES = 1000  # per run: 100,000 orders


@dataclass(frozen=True)
class WooCommerceAccess:
    """`WOOCOMMERCE_URL`, `WOOCOMMERCE_KEY` and `WOOCOMMERCE_SECRET`."""

    url: str
    key: str
    secret: str = field(repr=False)

    def orders_url(self, query: dict[str, str | int]) -> str:
        base = checked_base_url(self.url, "WOOCOMMERCE_URL")
        return f"{base}/wp-json/wc/v3/orders?{urlencode(query)}"

    def authorization(self) -> str:
        pair = f"{self.key}:{self.secret}".encode()
        return f"Basic {base64.b64encode(pair).decode('ascii')}"


class WooCommerceOrders:
    source = OrderSource.WOOCOMMERCE

    def __init__(
        self, access: WooCommerceAccess, http: StoreHttp | None = None, max_pages: int = MAX_PAGES
    ) -> None:
        self.access = access
        self.http = http or StoreHttp()
        self.max_pages = max_pages

    def changed(self, since: datetime, now: datetime) -> Iterator[Fetched]:
        """Every order modified after `since`, page by page in the order they were created."""
        page, pages = 1, 1
        while page <= pages:
            if page > self.max_pages:
                raise StoreUnavailable(
                    f"WooCommerce had more than {self.max_pages:,} pages of orders, the most one "
                    "run reads: run `python -m bot reconcile --since` with a shorter window"
                )
            orders, pages = self._page(since, page)
            for data in orders:
                yield read_or_refuse(webhook.read_order, data, now)
            if not orders:
                return
            page += 1

    def _page(self, since: datetime, page: int) -> tuple[list[dict[str, object]], int]:
        query: dict[str, str | int] = {
            "modified_after": f"{since:%Y-%m-%dT%H:%M:%S}",
            "dates_are_gmt": "true",
            "per_page": PER_PAGE,
            "page": page,
            "orderby": "id",
            "order": "asc",
        }
        headers = {"Accept": "application/json", "Authorization": self.access.authorization()}
        url = self.access.orders_url(query)  # a refused URL is no credentials' fault
        try:
            reply = self.http.send(url, headers, "WooCommerce")
        except StoreRefused as refused:
            raise StoreRefused(
                f"{refused}: check WOOCOMMERCE_KEY and WOOCOMMERCE_SECRET for "
                f"{self.access.url} (a REST API key with Read access)"
            ) from None
        orders = reply.json("WooCommerce")
        if not isinstance(orders, list) or not all(isinstance(o, dict) for o in orders):
            raise StoreUnavailable("WooCommerce's order list is not a list of orders")
        total = reply.headers.get("x-wp-totalpages", "")
        return orders, int(total) if total.isdigit() else page + (len(orders) == PER_PAGE)
