"""Small wordings shared by every message: counts, ages, money, order numbers, mrkdwn escaping."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from domain.model import LineIssue
from domain.order_refs import shown
from domain.wording import plural

ISSUES: dict[LineIssue, str] = {
    LineIssue.NO_SKU: "no SKU: the team must place this line by hand",
    LineIssue.UNKNOWN_SKU: "SKU not in the catalog",
}
ISSUES_SHORT: dict[LineIssue, str] = {
    LineIssue.NO_SKU: "no SKU",
    LineIssue.UNKNOWN_SKU: "SKU not in the catalog",
}
SOURCES = {"shopify": "Shopify", "woocommerce": "WooCommerce", "orders": "order webhook"}
WARNING = "⚠️"
TIMES = "\u00d7"  # the multiplication sign: "Gift wrap" times 1
_LOOKALIKE_BACKTICK = "\u02cb"


def escape(text: str) -> str:
    """Text safe inside mrkdwn: Slack asks for exactly `&`, `<` and `>` to be escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(text: str) -> str:
    """Inline code for a SKU or a command; a backtick inside would end the span: swap it."""
    return f"`{escape(text).replace('`', _LOOKALIKE_BACKTICK)}`"


def bold(text: str) -> str:
    """Escaped text in bold."""
    return f"*{escape(text)}*"


def units(n: int) -> str:
    """Units counted: "1 unit", "3 units"."""
    return plural(n, "unit")


def money(amount: Decimal) -> str:
    """Currency-neutral, two decimals, thousands grouped: "1,234.50"."""
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def order_ref(number: str) -> str:
    """An order as the shop's staff see it: "#1002", "SO-1166" (see domain.order_refs.shown)."""
    return shown(number)


def _aligned(when: datetime, now: datetime) -> datetime:
    """`when` in `now`'s zone, so calendar days are counted where the team is."""
    if when.tzinfo is None:
        return when if now.tzinfo is None else when.replace(tzinfo=UTC).astimezone(now.tzinfo)
    return when.astimezone(now.tzinfo) if now.tzinfo else when.astimezone(UTC).replace(tzinfo=None)


def days_between(placed_at: datetime, now: datetime) -> int:
    """Calendar days from `placed_at` to `now`, never negative."""
    return max((now.date() - _aligned(placed_at, now).date()).days, 0)


def age(placed_at: datetime, now: datetime) -> str:
    """How long something has waited: "today", "1 day", "4 days"."""
    days = days_between(placed_at, now)
    return "today" if days == 0 else plural(days, "day")


def oldest(placed_at: datetime, now: datetime) -> str:
    """The longest wait in a group: "oldest placed today", "oldest waiting 4 days"."""
    waited = age(placed_at, now)
    return "oldest placed today" if waited == "today" else f"oldest waiting {waited}"


def ago(placed_at: datetime, now: datetime) -> str:
    """An age said as the past: "today", "1 day ago", "4 days ago"."""
    text = age(placed_at, now)
    return text if text == "today" else f"{text} ago"


def day(when: datetime, now: datetime) -> str:
    """A date as people write it, in the team's zone: "3 Nov 2026"."""
    local = _aligned(when, now)
    return f"{local.day} {local:%b %Y}"


def source_name(source: str) -> str:
    """Where an order came from, as staff call it."""
    return SOURCES.get(source, source)


def item(sku: str | None, name: str) -> str:
    """A product as the team reads it: "`SKU` name", either part left out when missing."""
    return " ".join(part for part in (code(sku) if sku else "", escape(name)) if part)
