"""WooCommerce `order.created` and `order.updated` (body: a v3 REST order), and its ping."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from datetime import datetime

from domain.model import Delivery, IncomingLine, IncomingOrder, NotStock, OrderSource
from handlers.webhooks import customers, fields
from handlers.webhooks.fields import JsonObject
from handlers.webhooks.signatures import authenticate, verify_base64_hmac

TOPICS = frozenset({"order.created", "order.updated"})
# WooCommerce has no cancel topic: an order leaving for good arrives as `order.updated`.
CANCELLED_STATUSES = frozenset({"cancelled", "refunded", "failed", "trash"})
# How far along its life each status puts an order: WooCommerce dates versions to the second,
# so of two versions of one second the later stage applies (a cancellation is never lost).
STAGES = {"pending": 0, "checkout-draft": 0, "on-hold": 1, "processing": 2, "completed": 3}
CANCELLED_STAGE = 4
SIGNATURE_HEADER = "x-wc-webhook-signature"
_PING = re.compile(rb"\s*webhook_id=\d+\s*")


def parse_woocommerce(
    body: bytes, headers: Mapping[str, str], secret: str | None, now: datetime | None = None
) -> Delivery | None:
    """Verify a WooCommerce order webhook and read it; None for the unsigned creation ping."""
    if is_ping(body, headers):
        return None
    signature = headers.get(SIGNATURE_HEADER)
    authenticate(OrderSource.WOOCOMMERCE, secret, verify_base64_hmac, body, signature)
    data = fields.load_object(body)
    topic = fields.topic(headers.get("x-wc-webhook-topic"), TOPICS, "x-wc-webhook-topic")
    order = read_order(data, fields.now_or_clock(now))
    fields.delivery_key(headers.get("x-wc-webhook-delivery-id"), "X-WC-Webhook-Delivery-ID")
    return Delivery(
        source=OrderSource.WOOCOMMERCE, key=delivery_key(order, body), topic=topic, order=order
    )


def delivery_key(order: IncomingOrder, body: bytes) -> str:
    """The order's id, version second and a digest of the signed body: the same body sent again
    is a duplicate, and each version of one second counts. X-WC-Webhook-Delivery-ID cannot key it:
    WooCommerce makes it from the webhook's id and the current second, so every delivery of one
    webhook in one second (a bulk action, an order processed and cancelled at once) shares it."""
    digest = hashlib.sha256(body).hexdigest()[:16]
    return f"{order.external_id}@{order.updated_at.isoformat()}:{digest}"


def is_ping(body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether this is the form-encoded `webhook_id=N` WooCommerce sends, unsigned, on creation."""
    return SIGNATURE_HEADER not in headers and _PING.fullmatch(body) is not None


def read_order(data: JsonObject, now: datetime) -> IncomingOrder:
    """The order as WooCommerce sees it at its modification time; its status says cancelled."""
    external_id = fields.identifier(data, "id")
    placed_at = _moment(data, "date_created", now)
    modified = _has_moment(data, "date_modified")
    updated_at = _moment(data, "date_modified", now) if modified else None
    status = fields.optional_text(data, "status")
    # An order first seen completed was shipped by the shop: its lines are no demand.
    sent = NotStock.FULFILLED if status == "completed" else None
    lines = tuple(
        _line(item, f"line_items[{index}]", index + 1, sent, now, placed_at)
        for index, item in enumerate(fields.object_list(data, "line_items"))
    )
    fields.unique_refs([line.line_ref for line in lines], "line_items")
    cancelled = status in CANCELLED_STATUSES
    return IncomingOrder(
        source=OrderSource.WOOCOMMERCE,
        external_id=external_id,
        # WooCommerce's `number` is bare; its admin and emails show it as "#1234".
        number=fields.shown_number(fields.identifier(data, "number", default=external_id)),
        placed_at=placed_at,
        updated_at=updated_at or placed_at,
        cancelled=cancelled,
        lines=lines,
        customer=_customer(data),
        stage=CANCELLED_STAGE if cancelled else STAGES.get(status or "", 0),
        cancelled_at=(updated_at or placed_at) if cancelled else None,
        customer_email=customers.email(customers.object_at(data, "billing"), "email", "billing"),
        customer_first_name=customers.first_name(
            customers.object_at(data, "billing"), "first_name", "billing"
        ),
        promised_by=customers.stated_ship_by(data, "meta_data", "key", "", now, placed_at),
    )


def _has_moment(data: JsonObject, name: str) -> bool:
    """Whether either the `<name>_gmt` or the `<name>` timestamp is there."""
    return fields.present(data, f"{name}_gmt") or fields.present(data, name)


def _moment(data: JsonObject, name: str, now: datetime) -> datetime:
    """`<name>_gmt` (UTC, usually without offset), else `<name>` if it carries an offset."""
    if fields.present(data, f"{name}_gmt"):
        return fields.timestamp(data, f"{name}_gmt", now=now, naive_is_utc=True)
    # Without `_gmt`, `<name>` is in the site's own zone, which the body does not name.
    return fields.timestamp(data, name, now=now)


def _customer(data: JsonObject) -> str | None:
    """The billing email, if any."""
    billing = data.get("billing")
    if billing is None:
        return None
    if not isinstance(billing, dict):
        raise fields.bad_request("billing must be an object")
    return fields.optional_text(billing, "email", "billing", fields.MAX_CUSTOMER)


def _line(
    item: JsonObject,
    where: str,
    position: int,
    sent: NotStock | None,
    now: datetime,
    placed_at: datetime,
) -> IncomingLine:
    """One line item; WooCommerce sends an empty `sku` for products without one."""
    sku = fields.optional_text(item, "sku", where)
    return IncomingLine(
        line_ref=fields.identifier(item, "id", where),
        sku=sku,
        name=html.unescape(fields.optional_text(item, "name", where, fields.MAX_NAME) or sku or ""),
        quantity=fields.whole_number(item, "quantity", where),
        position=position,
        not_stock=sent,
        promised_by=customers.stated_ship_by(item, "meta_data", "key", where, now, placed_at),
    )
