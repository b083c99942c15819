"""What customers were told, on the Shopify order (Admin GraphQL): a tag (`tagsAdd`:
`backordered`, `delayed`) and a line added to the order's note (`orderUpdate` with `note`).

The Admin API has no documented way to write a timeline comment, so the line goes in the
order's note, which staff see on the order page: the note is read first and the line appended
(the note's text is kept), and a line already there is not added again. Both writes are
idempotent, so a retry after a timeout changes nothing. `THROTTLED` is waited out; `userErrors`
(an order Shopify does not know, say) refuse the write for good.
"""

from __future__ import annotations

from typing import Any

from handlers.stores.http import StoreHttp, StoreUnavailable
from handlers.stores.shopify import ShopifyAccess, graphql

TAGS_ADD = """
mutation TagOrder($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { userErrors { field message } }
}"""
ORDER_NOTE = "query OrderNote($id: ID!) { order(id: $id) { note } }"
NOTE_UPDATE = """
mutation NoteOrder($input: OrderInput!) {
  orderUpdate(input: $input) { userErrors { field message } }
}"""


class ShopifyRejected(Exception):
    """Shopify refused the write itself (`userErrors`, an unknown order): retrying cannot help."""


def order_gid(order_id: str) -> str:
    return order_id if order_id.startswith("gid://") else f"gid://shopify/Order/{order_id}"


class ShopifyOrderMarks:
    def __init__(self, access: ShopifyAccess, http: StoreHttp | None = None) -> None:
        self.access = access
        self.http = http or StoreHttp()

    def add_tags(self, order_id: str, tags: list[str]) -> None:
        data = self._query(TAGS_ADD, {"id": order_gid(order_id), "tags": tags})
        _refused_by(data, "tagsAdd")

    def add_note_line(self, order_id: str, line: str) -> str:
        """`line` at the end of the order's note, once: `added` or `already there`."""
        gid = order_gid(order_id)
        order = self._query(ORDER_NOTE, {"id": gid}).get("order")
        if not isinstance(order, dict):
            raise ShopifyRejected(f"Shopify has no order {order_id}")
        note = str(order.get("note") or "")
        if line in note.splitlines():
            return "already there"
        text = f"{note.rstrip()}\n{line}" if note.strip() else line
        data = self._query(NOTE_UPDATE, {"input": {"id": gid, "note": text}})
        _refused_by(data, "orderUpdate")
        return "added"

    def _query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return graphql(self.http, self.access, query, variables, "write_orders")


def _refused_by(data: dict[str, Any], mutation: str) -> None:
    payload = data.get(mutation)
    if not isinstance(payload, dict):
        raise StoreUnavailable(f"Shopify answered without {mutation}")
    errors = payload.get("userErrors") or []
    if errors:
        said = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))
        raise ShopifyRejected(f"Shopify refused {mutation}: {said[:300]}")
