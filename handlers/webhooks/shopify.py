"""Shopify `orders/create`, `orders/updated` and `orders/cancelled`: the body is a REST Order.

Shopify signs the body, not the headers: everything that changes stock (the order, its version,
whether it is cancelled) is read from the body alone. The topic header is checked but decides
nothing, so a signed body replayed under another topic cannot cancel an order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from domain.model import Delivery, IncomingLine, IncomingOrder, OrderSource
from handlers.webhooks import fields
from handlers.webhooks.fields import JsonObject
from handlers.webhooks.signatures import authenticate, verify_base64_hmac

TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled"})


def parse_shopify(
    body: bytes, headers: Mapping[str, str], secret: str | None, now: datetime | None = None
) -> Delivery:
    """Verify a Shopify order webhook and read it as a Delivery (`headers` keys lower-case)."""
    signature = headers.get("x-shopify-hmac-sha256")
    authenticate(OrderSource.SHOPIFY, secret, verify_base64_hmac, body, signature)
    data = fields.load_object(body)
    topic = fields.topic(headers.get("x-shopify-topic"), TOPICS, "x-shopify-topic")
    order = _order(data, fields.now_or_clock(now))
    # The webhook id stays the same across Shopify's retries of one delivery.
    fallback = f"{order.external_id}@{order.updated_at.isoformat()}"
    key = fields.delivery_key(headers.get("x-shopify-webhook-id"), "X-Shopify-Webhook-Id")
    return Delivery(source=OrderSource.SHOPIFY, key=key or fallback, topic=topic, order=order)


def _order(data: JsonObject, now: datetime) -> IncomingOrder:
    """The order as Shopify sees it at `updated_at`; cancelled once `cancelled_at` is set."""
    external_id = fields.identifier(data, "id")
    lines = tuple(
        _line(item, f"line_items[{index}]")
        for index, item in enumerate(fields.object_list(data, "line_items", non_empty=True))
    )
    fields.unique_refs([line.line_ref for line in lines], "line_items")
    customer = _email(data, "email") or _email(data, "contact_email")
    return IncomingOrder(
        source=OrderSource.SHOPIFY,
        external_id=external_id,
        number=_number(data, external_id),
        placed_at=fields.timestamp(data, "created_at", now=now),
        updated_at=fields.timestamp(data, "updated_at", now=now),
        cancelled=_cancelled(data, now),
        lines=lines,
        customer=customer,
    )


def _cancelled(data: JsonObject, now: datetime) -> bool:
    """Cancelled when `cancelled_at` holds a time; `false`, `""` or `0` there is a 400."""
    if not fields.present(data, "cancelled_at"):
        return False
    fields.timestamp(data, "cancelled_at", now=now)
    return True


def _email(data: JsonObject, key: str) -> str | None:
    """A customer email, as long as the customer column holds."""
    return fields.optional_text(data, key, limit=fields.MAX_CUSTOMER)


def _number(data: JsonObject, external_id: str) -> str:
    """The number staff know the order by: `order_number`, else `name` without '#', else id."""
    if fields.present(data, "order_number"):
        return fields.identifier(data, "order_number")
    name = fields.optional_text(data, "name")
    return (name.lstrip("#").strip() if name else "") or external_id


def _line(item: JsonObject, where: str) -> IncomingLine:
    """One line item; `current_quantity` already takes refunds and edits off `quantity`."""
    sku = fields.optional_text(item, "sku", where)
    name = fields.optional_text(item, "name", where, fields.MAX_NAME) or fields.optional_text(
        item, "title", where, fields.MAX_NAME
    )
    counted = "current_quantity" if fields.present(item, "current_quantity") else "quantity"
    return IncomingLine(
        line_ref=fields.identifier(item, "id", where),
        sku=sku,
        name=name or sku or "",
        quantity=fields.whole_number(item, counted, where),
    )
