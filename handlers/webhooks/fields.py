"""Reading webhook JSON: each helper names the JSON path of whatever it refuses."""

from __future__ import annotations

import json
import math
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

JsonObject = dict[str, Any]


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


def identifier(obj: JsonObject, key: str, where: str = "", default: str | None = None) -> str:
    """A string or integer id as text; required unless a default is given."""
    if default is not None and not present(obj, key):
        return default
    value = required(obj, key, where)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise bad_request(f"{path_of(where, key)} must be a non-empty string or an integer")


def optional_text(obj: JsonObject, key: str, where: str = "") -> str | None:
    """Stripped text, with a missing, null or blank value read as None."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f"{path_of(where, key)} must be a string or null")
    return value.strip() or None


def whole_number(obj: JsonObject, key: str, where: str = "") -> int:
    """A required count: a whole number, 0 or more (true and false are not numbers)."""
    value = required(obj, key, where)
    path = path_of(where, key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"{path} must be a whole number")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise bad_request(f"{path} must be a whole number")
    if value < 0:
        raise bad_request(f"{path} must not be negative")
    return int(value)


def timestamp(
    obj: JsonObject, key: str, where: str = "", *, naive_is_utc: bool = False
) -> datetime:
    """A required ISO 8601 timestamp as an aware UTC datetime."""
    value = required(obj, key, where)
    path = path_of(where, key)
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
    return moment.astimezone(UTC)


def object_list(obj: JsonObject, key: str, *, non_empty: bool = False) -> list[JsonObject]:
    """A required list of JSON objects."""
    items = required(obj, key)
    if not isinstance(items, list):
        raise bad_request(f"{key} must be a list")
    if non_empty and not items:
        raise bad_request(f"{key} must not be empty")
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


def topic(value: str | None, allowed: Collection[str], header: str) -> str:
    """The delivery's topic header, refusing topics the bot does not handle."""
    if not value:
        raise bad_request(f"the {header} header is missing")
    if value not in allowed:
        expected = ", ".join(sorted(allowed))
        raise bad_request(f"topic {value!r} is not handled (expected one of {expected})")
    return value
