"""`POST /webhooks/orders`: a generic JSON order from any store, signed with a shared secret.

Signature: header `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, keyed with
`ORDERS_WEBHOOK_SECRET`. An optional `X-Delivery-Id` header names the delivery, so a repeat of it
changes nothing; without it the delivery is known by the order's `id` and `updated_at`.

Body (a JSON object; unknown fields are ignored)::

    {"id": "A-1001",                      required, string or integer: the store's order id
     "number": "1001",                    optional, default id; shown to staff
     "placed_at": "2026-11-27T10:00:00Z", required, ISO 8601 with a UTC offset
     "updated_at": "...",                 optional, default placed_at; a delivery older than
                                          one already applied changes nothing
     "status": "open" | "cancelled",      optional, default "open"
     "cancelled_at": "...",               optional, when the store cancelled it (default
                                          updated_at); read only when status is "cancelled"
     "test": true | false,                optional, default false: a test order is kept apart
                                          (stores.test_orders), never stock or demand
     "customer": "text",                  optional, shown to staff
     "customer_email": "a@b.example",     optional: whom customer notices go to (none without)
     "customer_first_name": "Jane",       optional: greets the customer in notices
     "promised_by": "2026-12-24",         optional ISO date: the ship-by the order promised
     "lines": [                           required, at least one
       {"id": "1",                        optional, default the position 1, 2, 3...
        "sku": "ABC",                     string or null (a line without SKU is kept and reported)
        "name": "text",                   optional, default sku
        "quantity": 2,                    required, whole number, 0 to 100000
        "promised_by": "2026-12-24",      optional, this line's own ship-by date
        "requires_shipping": true}]}      optional, default true; false (gift cards, downloads)
                                          records the line but never backorders or flags it

Ids, numbers and SKUs hold at most 100 characters, names 500, customer 320, customer_email 254,
customer_first_name 100, X-Delivery-Id 200; promised_by lies from the day before placed_at (a
day of slack for the store's time zone) to three years ahead; text with NUL characters or lone
surrogates is refused. Timestamps lie between 2000-01-01 and a day past the bot's clock. Anything
else is a 400 naming the field.

See GENERIC_SCHEMA.md next to this file for an example body and how to sign it with openssl.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from domain.model import Delivery, IncomingLine, IncomingOrder, NotStock, OrderSource
from handlers.webhooks import customers, fields
from handlers.webhooks.fields import JsonObject
from handlers.webhooks.signatures import authenticate, verify_hex_hmac

TOPIC = "order"
STATUSES = frozenset({"open", "cancelled"})
NO_SHIPPING = NotStock.NO_SHIPPING


def parse_generic(
    body: bytes, headers: Mapping[str, str], secret: str | None, now: datetime | None = None
) -> Delivery:
    """Verify a generic order webhook and read it as a Delivery (`headers` keys lower-case)."""
    authenticate(OrderSource.GENERIC, secret, verify_hex_hmac, body, headers.get("x-signature"))
    order = _order(fields.load_object(body), fields.now_or_clock(now))
    fallback = f"{order.external_id}@{order.updated_at.isoformat()}"
    key = fields.delivery_key(headers.get("x-delivery-id"), "X-Delivery-Id")
    return Delivery(source=OrderSource.GENERIC, key=key or fallback, topic=TOPIC, order=order)


def _order(data: JsonObject, now: datetime) -> IncomingOrder:
    """The order as the store sees it at `updated_at`; its status alone says cancelled."""
    external_id = fields.identifier(data, "id")
    placed_at = fields.timestamp(data, "placed_at", now=now)
    versioned = fields.present(data, "updated_at")
    updated_at = fields.timestamp(data, "updated_at", now=now) if versioned else None
    items = fields.object_list(data, "lines", non_empty=True)
    lines = tuple(_line(item, index, now, placed_at) for index, item in enumerate(items))
    fields.unique_refs([line.line_ref for line in lines], "lines")
    cancelled = _status(data) == "cancelled"
    return IncomingOrder(
        source=OrderSource.GENERIC,
        external_id=external_id,
        number=fields.shown_number(fields.identifier(data, "number", default=external_id)),
        placed_at=placed_at,
        updated_at=updated_at or placed_at,
        cancelled=cancelled,
        lines=lines,
        customer=fields.optional_text(data, "customer", limit=fields.MAX_CUSTOMER),
        test=fields.flag(data, "test"),
        stage=1 if cancelled else 0,
        cancelled_at=_cancelled_at(data, now, updated_at or placed_at) if cancelled else None,
        customer_email=customers.email(data, "customer_email"),
        customer_first_name=customers.first_name(data, "customer_first_name"),
        promised_by=_promised_by(data, "", now, placed_at),
    )


def _cancelled_at(data: JsonObject, now: datetime, version: datetime) -> datetime:
    """When the store cancelled the order: `cancelled_at`, else the version's time."""
    if fields.present(data, "cancelled_at"):
        return fields.timestamp(data, "cancelled_at", now=now)
    return version


def _status(data: JsonObject) -> str:
    """`open` or `cancelled`; missing means open."""
    status = fields.optional_text(data, "status") or "open"
    if status not in STATUSES:
        raise fields.bad_request(f'status must be "open" or "cancelled", not {status!r}')
    return status


def _promised_by(obj: JsonObject, where: str, now: datetime, placed_at: datetime) -> date | None:
    """`promised_by`, the ship-by date the order (or line) states, if any."""
    if not fields.present(obj, "promised_by"):
        return None
    path = fields.path_of(where, "promised_by")
    return customers.ship_by(obj["promised_by"], path, now, placed_at)


def _line(item: JsonObject, index: int, now: datetime, placed_at: datetime) -> IncomingLine:
    """One order line; its reference defaults to its 1-based position."""
    where = f"lines[{index}]"
    sku = fields.optional_text(item, "sku", where)
    return IncomingLine(
        line_ref=fields.identifier(item, "id", where, default=str(index + 1)),
        sku=sku,
        name=fields.optional_text(item, "name", where, fields.MAX_NAME) or sku or "",
        quantity=fields.whole_number(item, "quantity", where),
        position=index + 1,
        not_stock=None if fields.flag(item, "requires_shipping", where, True) else NO_SHIPPING,
        promised_by=_promised_by(item, where, now, placed_at),
    )
