"""Loopback fakes of the stores' write APIs, beside their order lists (store_apis.py):
WooCommerce's order notes (`GET`/`POST /wp-json/wc/v3/orders/<id>/notes`) and Shopify's
`tagsAdd`, `order { note }` and `orderUpdate`. Each write that changes something is counted.
Faults for reads go in `faults`, for writes in `write_faults`; "stored-500" applies the write,
then answers 500, which is what a timeout after the store kept it looks like to the bot."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from tests.support.store_apis import (
    SHOPIFY_TOKEN,
    WOO_KEY,
    WOO_SECRET,
    FakeStore,
    _ShopifyHandler,
    _throttled,
    _WooHandler,
    serving,
)

NOTES = re.compile(r"/wp-json/wc/v3/orders/(\d+)/notes")


class WritableStore(FakeStore):
    """A fake store that keeps notes and tags, and counts the writes that changed them."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: dict[str, list[dict[str, Any]]] = {}  # order id: notes (WooCommerce)
        self.note: dict[str, str] = {}  # order id: the order's note (Shopify)
        self.tags: dict[str, list[str]] = {}  # order id: tags (Shopify)
        self.writes: list[tuple[str, str, Any]] = []  # (what, order id, value)
        self.write_faults: list[str] = []  # "500", "stored-500": served to the next write
        self.unknown: set[str] = set()  # order ids Shopify does not know

    def next_write_fault(self) -> str | None:
        with self.lock:
            return self.write_faults.pop(0) if self.write_faults else None


class _WooWrites(_WooHandler):
    store: WritableStore

    def _authorised(self) -> bool:
        expected = base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()
        if self.headers.get("Authorization") == f"Basic {expected}":
            return True
        refusal = {"code": "woocommerce_rest_cannot_create", "data": {"status": 401}}
        self.answer(401, refusal)
        return False

    def do_GET(self) -> None:
        found = NOTES.fullmatch(self.path.split("?")[0])
        if found is None:
            return super().do_GET()
        if not self._authorised() or self.common_fault(self.store.next_fault()):
            return None
        notes = self.store.notes.get(found[1], [])
        if "type=customer" in self.path:  # as WooCommerce: customer, internal or any
            notes = [n for n in notes if n["customer_note"]]
        if "type=internal" in self.path:
            notes = [n for n in notes if not n["customer_note"]]
        return self.answer(200, notes)

    def do_POST(self) -> None:
        found = NOTES.fullmatch(self.path)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if found is None:
            return self.answer(404, {"code": "rest_no_route"})
        if not self._authorised():
            return None
        fault = self.store.next_write_fault()
        if self.common_fault(fault):
            return None
        with self.store.lock:
            notes = self.store.notes.setdefault(found[1], [])
            note = {
                "id": len(notes) + 1,
                "note": body["note"],
                "customer_note": body["customer_note"],
            }
            notes.append(note)
            self.store.writes.append(("note", found[1], body["note"]))
        if fault == "stored-500":
            return self.answer(500, {"code": "internal_server_error"})
        return self.answer(201, note)


class _ShopifyWrites(_ShopifyHandler):
    store: WritableStore

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.store.requests.append(body)
        if self.headers.get("X-Shopify-Access-Token") != SHOPIFY_TOKEN:
            return self.answer(401, {"errors": "[API] Invalid API key or access token"})
        writes = "tagsAdd" in body["query"] or "orderUpdate" in body["query"]
        fault = self.store.next_write_fault() if writes else self.store.next_fault()
        if self.common_fault(fault):
            return None
        if fault == "throttled":
            return self.answer(200, _throttled())
        data = self._write(body["query"], body["variables"])
        if fault == "stored-500":
            return self.answer(500, {"errors": "Internal Server Error"})
        return self.answer(200, {"data": data})

    def _write(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        if "tagsAdd" in query:
            order = variables["id"].rsplit("/", 1)[-1]
            if order in self.store.unknown:
                errors = [{"field": ["id"], "message": "Order does not exist"}]
                return {"tagsAdd": {"userErrors": errors}}
            with self.store.lock:
                tags = self.store.tags.setdefault(order, [])
                added = [t for t in variables["tags"] if t not in tags]
                tags.extend(added)
                self.store.writes += [("tag", order, tag) for tag in added]
            return {"tagsAdd": {"userErrors": []}}
        if "orderUpdate" in query:
            order = variables["input"]["id"].rsplit("/", 1)[-1]
            with self.store.lock:
                self.store.note[order] = variables["input"]["note"]
                self.store.writes.append(("note", order, variables["input"]["note"]))
            return {"orderUpdate": {"userErrors": []}}
        order = variables["id"].rsplit("/", 1)[-1]
        known = order not in self.store.unknown
        return {"order": {"note": self.store.note.get(order)} if known else None}


def writable_shopify() -> Any:
    return serving(_ShopifyWrites, WritableStore())


def writable_woocommerce() -> Any:
    return serving(_WooWrites, WritableStore())
