"""Purchase orders' references, times and people, as the proposal and the lists write them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

from domain.purchasing import PurchaseOrderView
from handlers.blocks.formatting import escape, plural

_USER = re.compile(r"[UW][A-Z0-9]{2,}")


def po_ref(po: PurchaseOrderView) -> str:
    """What a button or a modal carries: "po_id:version", so a stale click can be told apart."""
    return f"{po.po_id}:{po.version}"


def parse_po_ref(value: str) -> tuple[int, int]:
    """(po_id, version) from a button value or a modal's private_metadata; ValueError if bad."""
    po_id, version = value.split(":")
    return int(po_id), int(version)


def local(when: datetime, tz: tzinfo) -> datetime:
    """`when` on the team's clock (a naive time is UTC, as storage keeps it)."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(tz)


def stamp(when: datetime, tz: tzinfo) -> str:
    """A moment as the team reads it: "Fri 27 Nov 14:05"."""
    at = local(when, tz)
    return f"{at:%a} {at.day} {at:%b %H:%M}"


def weekday(when: datetime, tz: tzinfo) -> str:
    """A date as the team reads it: "Tue 1 Dec"."""
    at = local(when, tz)
    return f"{at:%a} {at.day} {at:%b}"


def zone(tz: tzinfo) -> str:
    return f"({getattr(tz, 'key', None) or tz} time)"


def span(since: datetime, now: datetime) -> str:
    """How long since: "5 minutes", "2 hours", "3 days"."""
    minutes = int((local(now, UTC) - local(since, UTC)).total_seconds() // 60)
    if minutes < 60:
        return plural(max(minutes, 1), "minute")
    hours = minutes // 60
    return plural(hours, "hour") if hours < 48 else plural(hours // 24, "day")


def who(actor: str) -> str:
    """A Slack user as a mention; anyone else (a job, the console) by name."""
    return f"<@{actor}>" if _USER.fullmatch(actor) else escape(actor)
