"""A note on a WooCommerce order (`POST /wp-json/wc/v3/orders/<id>/notes`): a customer note
(`customer_note: true`), which WooCommerce emails to the customer itself, when the store's
customers are told by its note; else a private note (`customer_note: false`) the staff read and
WooCommerce emails to nobody, so a customer told by our email does not get a second one.

A note is not idempotent (two POSTs, two notes, two emails), so the order's customer notes are
read first and a note whose text is already there is not written again; the POST itself is
tried once, so a timeout or a 500 after WooCommerce stored it is settled by the next read, not
by a second POST.
"""

from __future__ import annotations

import json

from handlers.stores.http import (
    Reply,
    StoreHttp,
    StoreRefused,
    StoreUnavailable,
    checked_base_url,
)
from handlers.stores.woocommerce import WooCommerceAccess

ADDED, ALREADY = "added", "already there"


class WooCommerceNotes:
    def __init__(
        self,
        access: WooCommerceAccess,
        http: StoreHttp | None = None,
        once: StoreHttp | None = None,
    ) -> None:
        self.access = access
        self.http = http or StoreHttp()  # reads: retried on 429 and 5xx
        self.once = once or StoreHttp(attempts=1)  # the write: never repeated blindly

    def add_customer_note(self, order_id: str, text: str) -> str:
        """The note on the order for its customer, once: `added` or `already there`."""
        return self._add(order_id, text, for_customer=True)

    def add_private_note(self, order_id: str, text: str) -> str:
        """A note on the order for the staff only, once: `added` or `already there`."""
        return self._add(order_id, text, for_customer=False)

    def _add(self, order_id: str, text: str, for_customer: bool) -> str:
        if text in self._notes(order_id, "customer" if for_customer else "internal"):
            return ALREADY
        body = json.dumps({"note": text, "customer_note": for_customer}).encode()
        self._send(self.once, self._url(order_id), "WooCommerce (adding a note)", body)
        return ADDED

    def _notes(self, order_id: str, kind: str) -> list[str]:
        reply = self._send(
            self.http, self._url(order_id) + f"?type={kind}", "WooCommerce (order notes)"
        )
        notes = reply.json("WooCommerce")
        if not isinstance(notes, list):
            raise StoreUnavailable("WooCommerce's order notes are not a list")
        return [str(note.get("note", "")) for note in notes if isinstance(note, dict)]

    def _url(self, order_id: str) -> str:
        if not order_id.isdigit():
            raise StoreUnavailable(f"WooCommerce order ids are numbers, not {order_id!r}")
        base = checked_base_url(self.access.url, "WOOCOMMERCE_URL")
        return f"{base}/wp-json/wc/v3/orders/{order_id}/notes"

    def _send(self, http: StoreHttp, url: str, what: str, body: bytes | None = None) -> Reply:
        headers = {"Accept": "application/json", "Authorization": self.access.authorization()}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            return http.send(url, headers, what, body)
        except StoreRefused as refused:
            raise StoreRefused(
                f"{refused}: check WOOCOMMERCE_KEY and WOOCOMMERCE_SECRET for "
                f"{self.access.url} (a REST API key with Read/Write access)"
            ) from None
