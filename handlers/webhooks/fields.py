"""Reading webhook JSON: each helper names the JSON path of whatever it refuses."""

from __future__ import annotations

import json
import math
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from domain.model import (
    EARLIEST_ORDER_TIME,
    FUTURE_TOLERANCE,
    MAX_LINE_QUANTITY,
    MAX_ORDER_LINES,
)

JsonObject = dict[str, Any]

# The longest text each kind of field may hold: its narrowest column in storage/models.py, so
# PostgreSQL never refuses what the door let in (SQLite would not check at all).
MAX_ID = 100  # orders.external_id and .number, order_lines.line_ref and .sku
MAX_NAME = 500  # order_lines.name
MAX_CUSTOMER = 320  # orders.customer
MAX_DELIVERY_KEY = 200  # deliveries.delivery_key


class WebhookRejected(Exception):
    """A delivery the bot refuses: `status` is the HTTP answer, `message` says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> WebhookRejected:
    """Build the 400 rejection for a malformed body."""
    return WebhookRejected(400, message)


def _refuse_constant(name: str) -> Any:
    """Refuse NaN and Infinity, which json accepts but JSON does not."""
    raise ValueError(f"{name} is not JSON")


def load_object(body: bytes) -> JsonObject:
    """Parse the body as a JSON object."""
    try:
        data = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise bad_request("body is not valid JSON") from None
    if not isinstance(data, dict):
        raise bad_request("body must be a JSON object")
    return data


def path_of(where: str, key: str) -> str:
    """Join a parent path and a key: `line_items[0]` + `sku` is `line_items[0].sku`."""
    return f"{where}.{key}" if where else key


def present(obj: JsonObject, key: str) -> bool:
    """Whether `key` is there and not null."""
    return obj.get(key) is not None


def required(obj: JsonObject, key: str, where: str = "") -> Any:
    """The value at `key`, refusing a missing or null one."""
    if not present(obj, key):
        raise bad_request(f"{path_of(where, key)} is required")
    return obj[key]


def storable_text(value: str, path: str, limit: int) -> str:
    """`value` if every database can store it: no NUL, no lone surrogate, at most `limit` long."""
    if "\x00" in value:
        raise bad_request(f"{path} must not contain NUL characters")
    if not value.isascii() and _has_lone_surrogate(value):
        raise bad_request(f"{path} is not valid Unicode text (it has a lone surrogate)")
    if len(value) > limit:
        raise bad_request(f"{path} is {len(value)} characters long; at most {limit} are kept")
    return value


def _has_lone_surrogate(value: str) -> bool:
    """Whether `value` holds a code point from U+D800 to U+DFFF, which UTF-8 cannot encode
    (the codec refuses exactly those; checked in C, not character by character)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def identifier(
    obj: JsonObject, key: str, where: str = "", default: str | None = None, limit: int = MAX_ID
) -> str:
    """A string or integer id as text; required unless a default is given."""
    if default is not None and not present(obj, key):
        return default
    value = required(obj, key, where)
    path = path_of(where, key)
    if isinstance(value, int) and not isinstance(value, bool):
        return storable_text(str(value), path, limit)
    if isinstance(value, str) and value.strip():
        return storable_text(value.strip(), path, limit)
    raise bad_request(f"{path} must be a non-empty string or an integer")


def shown_number(number: str) -> str:
    """A bare order number as the shop's staff see it: "#1234" (WooCommerce's admin and
    emails, Shopify's default name); one as long as the column is kept as it came."""
    bare = number.lstrip("#") or number
    return f"#{bare}" if len(bare) < MAX_ID else bare


def optional_text(obj: JsonObject, key: str, where: str = "", limit: int = MAX_ID) -> str | None:
    """Stripped text, with a missing, null or blank value read as None."""
    value = obj.get(key)
    if value is None:
        return None
    path = path_of(where, key)
    if not isinstance(value, str):
        raise bad_request(f"{path} must be a string or null")
    return storable_text(value.strip(), path, limit) or None


def flag(obj: JsonObject, key: str, where: str = "", default: bool = False) -> bool:
    """An optional true/false; missing or null is `default`, anything else a 400."""
    value = obj.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise bad_request(f"{path_of(where, key)} must be true or false")
    return value


def whole_number(obj: JsonObject, key: str, where: str = "") -> int:
    """A required count: a whole number from 0 to MAX_LINE_QUANTITY (booleans are not numbers)."""
    value = required(obj, key, where)
    path = path_of(where, key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"{path} must be a whole number")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise bad_request(f"{path} must be a whole number")
    if value < 0:
        raise bad_request(f"{path} must not be negative")
    if value > MAX_LINE_QUANTITY:
        raise bad_request(f"{path}: {_shown(value)} is more than {MAX_LINE_QUANTITY}")
    return int(value)


def _shown(number: float) -> str:
    """A number as the store sent it, shortened when it has too many digits to read."""
    text = repr(number)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} digits)"


def timestamp(
    obj: JsonObject,
    key: str,
    where: str = "",
    *,
    now: datetime,
    naive_is_utc: bool = False,
) -> datetime:
    """A required ISO 8601 timestamp as UTC, between 2000 and a day past the bot's `now`."""
    value = required(obj, key, where)
    path = path_of(where, key)
    moment = _moment(value, path, naive_is_utc)
    if moment < EARLIEST_ORDER_TIME:
        raise bad_request(f"{path}: {value} is before {EARLIEST_ORDER_TIME:%Y-%m-%d}")
    if moment > now + FUTURE_TOLERANCE:
        clock = f"{now:%Y-%m-%d %H:%M} UTC"
        raise bad_request(f"{path}: {value} is more than a day ahead of the bot's clock ({clock})")
    return moment


def _moment(value: Any, path: str, naive_is_utc: bool) -> datetime:
    """`value` read as an aware UTC datetime."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise bad_request(f"{path} must be an ISO 8601 timestamp")
    if moment.tzinfo is None or moment.utcoffset() is None:
        if not naive_is_utc:
            raise bad_request(f"{path} must include a UTC offset, like 2026-11-27T10:00:00Z")
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+01:00 is a valid timestamp whose UTC time is before year 1.
        raise bad_request(f"{path}: {value} is out of range") from None


def object_list(obj: JsonObject, key: str, *, non_empty: bool = False) -> list[JsonObject]:
    """A required list of JSON objects."""
    items = required(obj, key)
    if not isinstance(items, list):
        raise bad_request(f"{key} must be a list")
    if non_empty and not items:
        raise bad_request(f"{key} must not be empty")
    if len(items) > MAX_ORDER_LINES:
        raise bad_request(f"{key}: {len(items):,} lines is more than {MAX_ORDER_LINES:,}")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise bad_request(f"{key}[{index}] must be an object")
    return items


def unique_refs(refs: list[str], key: str) -> None:
    """Refuse two lines with the same reference, which would overwrite each other."""
    seen: dict[str, int] = {}
    for index, ref in enumerate(refs):
        if ref in seen:
            raise bad_request(f"{key}[{index}].id {ref!r} repeats {key}[{seen[ref]}].id")
        seen[ref] = index


def delivery_key(value: str | None, header: str) -> str | None:
    """The store's id for this delivery from `header`, if any, refused when it cannot be kept."""
    key = (value or "").strip()
    return storable_text(key, f"the {header} header", MAX_DELIVERY_KEY) if key else None


def now_or_clock(now: datetime | None) -> datetime:
    """The bot's time as given, else the system clock."""
    return now or datetime.now(UTC)


def topic(value: str | None, allowed: Collection[str], header: str) -> str:
    """The delivery's topic header, refusing topics the bot does not handle."""
    if not value:
        raise bad_request(f"the {header} header is missing")
    if value not in allowed:
        expected = ", ".join(sorted(allowed))
        raise bad_request(f"topic {value!r} is not handled (expected one of {expected})")
    return value
