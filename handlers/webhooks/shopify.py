"""Shopify `orders/create`, `orders/updated` and `orders/cancelled`: the body is a REST Order."""

from __future__ import annotations

from collections.abc import Mapping

from domain.model import Delivery, IncomingLine, IncomingOrder, OrderSource
from handlers.webhooks import fields
from handlers.webhooks.fields import JsonObject
from handlers.webhooks.signatures import authenticate, verify_base64_hmac

TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled"})


def parse_shopify(body: bytes, headers: Mapping[str, str], secret: str | None) -> Delivery:
    """Verify a Shopify order webhook and read it as a Delivery (`headers` keys lower-case)."""
    signature = headers.get("x-shopify-hmac-sha256")
    authenticate(OrderSource.SHOPIFY, secret, verify_base64_hmac, body, signature)
    data = fields.load_object(body)
    topic = fields.topic(headers.get("x-shopify-topic"), TOPICS, "x-shopify-topic")
    order = _order(data, topic)
    # The webhook id stays the same across Shopify's retries of one delivery.
    fallback = f"{order.external_id}@{order.updated_at.isoformat()}"
    key = headers.get("x-shopify-webhook-id") or fallback
    return Delivery(source=OrderSource.SHOPIFY, key=key, topic=topic, order=order)


def _order(data: JsonObject, topic: str) -> IncomingOrder:
    """The order as Shopify sees it at `updated_at`."""
    external_id = fields.identifier(data, "id")
    lines = tuple(
        _line(item, f"line_items[{index}]")
        for index, item in enumerate(fields.object_list(data, "line_items"))
    )
    fields.unique_refs([line.line_ref for line in lines], "line_items")
    customer = fields.optional_text(data, "email") or fields.optional_text(data, "contact_email")
    return IncomingOrder(
        source=OrderSource.SHOPIFY,
        external_id=external_id,
        number=_number(data, external_id),
        placed_at=fields.timestamp(data, "created_at"),
        updated_at=fields.timestamp(data, "updated_at"),
        cancelled=topic == "orders/cancelled" or fields.present(data, "cancelled_at"),
        lines=lines,
        customer=customer,
    )


def _number(data: JsonObject, external_id: str) -> str:
    """The number staff know the order by: `order_number`, else `name` without '#', else id."""
    if fields.present(data, "order_number"):
        return fields.identifier(data, "order_number")
    name = fields.optional_text(data, "name")
    return (name.lstrip("#").strip() if name else "") or external_id


def _line(item: JsonObject, where: str) -> IncomingLine:
    """One line item; `current_quantity` already takes refunds and edits off `quantity`."""
    sku = fields.optional_text(item, "sku", where)
    name = fields.optional_text(item, "name", where) or fields.optional_text(item, "title", where)
    counted = "current_quantity" if fields.present(item, "current_quantity") else "quantity"
    return IncomingLine(
        line_ref=fields.identifier(item, "id", where),
        sku=sku,
        name=name or sku or "",
        quantity=fields.whole_number(item, counted, where),
    )
