"""`GET /feeds/backorder-products.json` and `.html`: products sold on backorder now, with the
window a new order would ship in. No customer data; read at most once a minute."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.web.http import STATUS_TEXT, StartResponse
from bot.web.journey_desk import CustomerDesk, FeedItem
from bot.web.journey_pages import Pages

MAX_AGE_S = 60


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str


class FeedCache:
    """The feed, rebuilt from one read when older than MAX_AGE_S; both forms from that read."""

    def __init__(
        self, desk: CustomerDesk, pages: Pages, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.desk = desk
        self.pages = pages
        self.clock = clock
        self._lock = threading.Lock()  # a burst of requests reads the database once
        self._built_at: float | None = None
        self._forms: dict[bool, Rendered] = {}

    def __call__(self, environ: dict[str, Any], start: StartResponse, as_json: bool) -> list[bytes]:
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            start(STATUS_TEXT[405], [("Allow", "GET"), ("Content-Length", "0")])
            return [b""]
        form = self._current()[as_json]
        headers = [
            ("Cache-Control", f"public, max-age={MAX_AGE_S}"),
            ("ETag", form.etag),
            ("X-Content-Type-Options", "nosniff"),
            ("Access-Control-Allow-Origin", "*"),  # the shop's own pages fetch it
        ]
        if as_json:
            headers.append(("Content-Type", "application/json"))
        else:
            headers += [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Security-Policy", self.pages.feed_policy()),
            ]
        if form.etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            start("304 Not Modified", headers)
            return [b""]
        start(STATUS_TEXT[200], [*headers, ("Content-Length", str(len(form.body)))])
        return [form.body]

    def _current(self) -> dict[bool, Rendered]:
        with self._lock:
            now = self.clock()
            if self._built_at is None or now - self._built_at >= MAX_AGE_S:
                items = self.desk.feed()
                html = self.pages.feed(items)
                self._forms = {True: _rendered(_json(items)), False: _rendered(html)}
                self._built_at = now
            return self._forms


def _json(items: list[FeedItem]) -> bytes:
    products = [
        {
            "sku": item.sku,
            "name": item.name,
            "ships_from": item.ships_from.isoformat(),
            "ships_by": item.ships_by.isoformat(),
        }
        for item in items
    ]
    return json.dumps({"products": products}, ensure_ascii=False).encode()


def _rendered(body: bytes) -> Rendered:
    return Rendered(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
