"""Shopify `orders/create`, `orders/updated` and `orders/cancelled`: the body is a REST Order.

Shopify signs the body, not the headers: everything that changes stock (the order, its version,
whether it is cancelled) is read from the body alone. The topic header is checked but decides
nothing, so a signed body replayed under another topic cannot cancel an order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from domain.model import Delivery, IncomingLine, IncomingOrder, NotStock, OrderSource
from handlers.webhooks import customers, fields
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
    order = read_order(data, fields.now_or_clock(now))
    # The webhook id stays the same across Shopify's retries of one delivery.
    fallback = f"{order.external_id}@{order.updated_at.isoformat()}"
    key = fields.delivery_key(headers.get("x-shopify-webhook-id"), "X-Shopify-Webhook-Id")
    return Delivery(source=OrderSource.SHOPIFY, key=key or fallback, topic=topic, order=order)


def read_order(data: JsonObject, now: datetime) -> IncomingOrder:
    """The order as Shopify sees it at `updated_at`; cancelled once `cancelled_at` is set."""
    external_id = fields.identifier(data, "id")
    placed_at = fields.timestamp(data, "created_at", now=now)
    lines = tuple(
        _line(item, f"line_items[{index}]", index + 1, now, placed_at)
        for index, item in enumerate(fields.object_list(data, "line_items", non_empty=True))
    )
    fields.unique_refs([line.line_ref for line in lines], "line_items")
    customer = _email(data, "email") or _email(data, "contact_email")
    cancelled_at = _cancelled_at(data, now)
    order_number = _order_number(data)
    return IncomingOrder(
        source=OrderSource.SHOPIFY,
        external_id=external_id,
        number=_name(data) or fields.shown_number(order_number or external_id),
        placed_at=placed_at,
        updated_at=fields.timestamp(data, "updated_at", now=now),
        cancelled=cancelled_at is not None,
        lines=lines,
        customer=customer,
        order_number=order_number,
        test=fields.flag(data, "test"),
        stage=_stage(data, cancelled_at),
        cancelled_at=cancelled_at,
        customer_email=_customer_email(data),
        customer_first_name=_first_name(data),
        promised_by=customers.stated_ship_by(data, "note_attributes", "name", "", now, placed_at),
    )


def _customer_email(data: JsonObject) -> str | None:
    """Whom notices go to: the order's `email`, else `contact_email`, else its customer's."""
    person = customers.object_at(data, "customer")
    return (
        customers.email(data, "email")
        or customers.email(data, "contact_email")
        or customers.email(person, "email", "customer")
    )


def _first_name(data: JsonObject) -> str | None:
    """The customer's first name, else the billing address's."""
    person = customers.object_at(data, "customer")
    billing = customers.object_at(data, "billing_address")
    return customers.first_name(person, "first_name", "customer") or customers.first_name(
        billing, "first_name", "billing_address"
    )


def _cancelled_at(data: JsonObject, now: datetime) -> datetime | None:
    """When the shop cancelled the order; `false`, `""` or `0` in `cancelled_at` is a 400."""
    if not fields.present(data, "cancelled_at"):
        return None
    return fields.timestamp(data, "cancelled_at", now=now)


def _stage(data: JsonObject, cancelled_at: datetime | None) -> int:
    """Open 0, fulfilled or closed 1, cancelled 2: of two versions of one second, the later."""
    if cancelled_at is not None:
        return 2
    done = data.get("fulfillment_status") == "fulfilled" or fields.present(data, "closed_at")
    return 1 if done else 0


def _email(data: JsonObject, key: str) -> str | None:
    """A customer email, as long as the customer column holds."""
    return fields.optional_text(data, key, limit=fields.MAX_CUSTOMER)


def _name(data: JsonObject) -> str | None:
    """The name the shop's staff see, as the shop writes it: `#1166X01`, or `SO-1166` when the
    shop's prefix is not '#'."""
    return fields.optional_text(data, "name")


def _order_number(data: JsonObject) -> str | None:
    """Shopify's own order number (1166), which people may type instead of the name."""
    return fields.identifier(data, "order_number") if fields.present(data, "order_number") else None


def _not_stock(item: JsonObject, where: str) -> NotStock | None:
    """Gift cards and lines that need no shipping; lines with nothing left to fulfil."""
    if fields.flag(item, "gift_card", where) or not fields.flag(
        item, "requires_shipping", where, default=True
    ):
        return NotStock.NO_SHIPPING
    counted = fields.present(item, "fulfillable_quantity")
    if counted and fields.whole_number(item, "fulfillable_quantity", where) == 0:
        return NotStock.FULFILLED
    return None


def _line(
    item: JsonObject, where: str, position: int, now: datetime, placed_at: datetime
) -> IncomingLine:
    """One line item; `current_quantity` already takes refunds and edits off `quantity`."""
    sku = fields.optional_text(item, "sku", where)
    name = fields.optional_text(item, "name", where, fields.MAX_NAME) or fields.optional_text(
        item, "title", where, fields.MAX_NAME
    )
    counted = "current_quantity" if fields.present(item, "current_quantity") else "quantity"
    quantity = fields.whole_number(item, counted, where)
    return IncomingLine(
        line_ref=fields.identifier(item, "id", where),
        sku=sku,
        name=name or sku or "",
        quantity=quantity,
        position=position,
        not_stock=_not_stock(item, where),
        sent=_sent(item, where, quantity),
        promised_by=customers.stated_ship_by(item, "properties", "name", where, now, placed_at),
    )


def _sent(item: JsonObject, where: str, quantity: int) -> int:
    """Units of the line the shop has sent: what is ordered less what it can still fulfil."""
    if not fields.present(item, "fulfillable_quantity"):
        return 0
    return max(quantity - fields.whole_number(item, "fulfillable_quantity", where), 0)
