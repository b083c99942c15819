"""Who the customer is and what the order promised, read from any store's body.

The customer's email and first name go to the notices (and nowhere else); a ship-by date the
order states becomes its lines' promise. A store states one as a named value: Shopify as a line
item property or an order note attribute, WooCommerce as order or line item meta data, named
`Ships by`, `Ship by`, `ship_by` or `_ship_by` (case, spaces and a leading underscore aside),
holding an ISO 8601 date such as `2026-12-24`. A date before the order was placed (a day of
slack aside, for the store's time zone) is refused: the order would be late the moment it came.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from domain.model import EARLIEST_ORDER_TIME
from handlers.webhooks import fields
from handlers.webhooks.fields import JsonObject

MAX_EMAIL = 254  # orders.customer_email: the longest address SMTP carries
MAX_FIRST_NAME = 100  # orders.customer_first_name
# A promise further ahead than this is a typo (a year 2062 for 2026), not a plan.
LATEST_PROMISE = timedelta(days=3 * 366)
# The store's calendar day may be one behind UTC's: a promise that day is not in the past.
ZONE_SLACK = timedelta(days=1)
SHIP_BY_NAMES = frozenset({"shipby", "shipsby"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def email(obj: JsonObject, key: str, where: str = "") -> str | None:
    """An email address, if any: at most 254 characters with an '@'."""
    value = fields.optional_text(obj, key, where, limit=MAX_EMAIL)
    if value is None or not value.strip():
        return None
    if "@" not in value or any(char.isspace() for char in value.strip()):
        raise fields.bad_request(f"{fields.path_of(where, key)} is not an email address")
    return value.strip()


def first_name(obj: JsonObject, key: str, where: str = "") -> str | None:
    """A first name, if any, at most 100 characters."""
    value = fields.optional_text(obj, key, where, limit=MAX_FIRST_NAME)
    if value is None:
        return None
    return value.strip() or None


def ship_by(value: Any, path: str, now: datetime, placed_at: datetime) -> date:
    """A stated ship-by date: ISO 8601, from the day the order was placed to three years past
    the bot's clock."""
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        raise fields.bad_request(f"{path} must be a date such as 2026-12-24, not {value!r}")
    try:
        day = date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise fields.bad_request(f"{path} is not a real date: {value!r}") from None
    if not EARLIEST_ORDER_TIME.date() <= day <= (now + LATEST_PROMISE).date():
        raise fields.bad_request(f"{path} must lie between 2000 and three years from now")
    if day < (placed_at - ZONE_SLACK).date():
        raise fields.bad_request(
            f"{path} is {day.isoformat()}, before the order was placed on {placed_at.date()}"
        )
    return day


def stated_ship_by(
    obj: JsonObject, key: str, name_key: str, where: str, now: datetime, placed_at: datetime
) -> date | None:
    """The ship-by date among the named values at `key` (Shopify's `properties` and
    `note_attributes` name them `name`, WooCommerce's `meta_data` names them `key`)."""
    if not fields.present(obj, key):
        return None
    pairs = obj[key]
    path = fields.path_of(where, key)
    if not isinstance(pairs, list):
        raise fields.bad_request(f"{path} must be a list")
    for index, pair in enumerate(pairs):
        if isinstance(pair, dict) and _is_ship_by(pair.get(name_key)):
            return ship_by(pair.get("value"), f"{path}[{index}].value", now, placed_at)
    return None


def _is_ship_by(name: Any) -> bool:
    if not isinstance(name, str):
        return False
    return re.sub(r"[\s_-]", "", name.lower()) in SHIP_BY_NAMES


def object_at(obj: JsonObject, key: str) -> JsonObject:
    """The object at `key`, or an empty one when missing or null."""
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fields.bad_request(f"{key} must be an object")
    return value
