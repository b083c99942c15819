"""`customers:` in `app.yaml`: what each waiting line is promised and how customers are told."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from types import MappingProxyType
from typing import Any

from domain.customer_notices import Mode, NoticeKind

KEYS = {
    "promise_days",
    "notice_delay",
    "notices",
    "delay_margin_days",
    "from",
    "reply_to",
    "journey_base_url",
    "shop_name",
    "signature",
    "tell_by",
}
DEFAULT_MODES: Mapping[NoticeKind, Mode] = MappingProxyType(
    {
        NoticeKind.BACKORDERED: Mode.APPROVE,
        NoticeKind.DELAYED: Mode.APPROVE,
        NoticeKind.ON_ITS_WAY: Mode.AUTO,
    }
)
MAX_PROMISE_DAYS = 365
# How a store's customers may be told: by our email, or (WooCommerce) by the order's customer
# note, which WooCommerce emails itself.
EMAIL, CUSTOMER_NOTE = "email", "customer_note"
TELL_BY = {"shopify": (EMAIL,), "woocommerce": (EMAIL, CUSTOMER_NOTE)}
_URL = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


@dataclass(frozen=True)
class CustomerSettings:
    promise_days: int = 30  # promised ship-by when neither the order nor the catalog says
    notice_delay_s: int = 600  # the backordered notice waits this long after the order
    notices: Mapping[NoticeKind, Mode] = field(default_factory=lambda: DEFAULT_MODES)
    delay_margin_days: int = 7  # a date moving later by more than this is told again
    from_address: str | None = None  # unset: no emails to customers
    reply_to: str | None = None
    journey_base_url: str | None = None  # where customers' links point; unset: the bot's own
    shop_name: str | None = None  # unset: the display name in `from`
    signature: str | None = None  # closes every notice
    by_customer_note: frozenset[str] = frozenset()  # stores whose customers hear by its note

    def by_email(self, source: str) -> bool:
        """Whether this store's customers are told by our email (not the store's note)."""
        return source not in self.by_customer_note

    @property
    def shop(self) -> str:
        """The shop's name as customers read it."""
        shown = parseaddr(self.from_address or "")[0]
        return self.shop_name or shown or "Our shop"


def parse_customers(
    raw: dict[str, Any],
    error: Callable[[str], Exception],
    duration: Callable[[Any, str], int],
) -> CustomerSettings:
    """The `customers` section, checked: `error(message)` is raised naming the bad key."""
    return CustomerSettings(
        promise_days=_days(raw.get("promise_days", 30), "customers.promise_days", 1, error),
        notice_delay_s=duration(raw.get("notice_delay", "10m"), "customers.notice_delay"),
        notices=_modes(raw.get("notices", {}), error),
        delay_margin_days=_days(
            raw.get("delay_margin_days", 7), "customers.delay_margin_days", 0, error
        ),
        from_address=_address(raw.get("from"), "customers.from", error),
        reply_to=_address(raw.get("reply_to"), "customers.reply_to", error),
        journey_base_url=_url(raw.get("journey_base_url"), error),
        shop_name=_text(raw.get("shop_name"), "customers.shop_name", 100, error),
        signature=_text(raw.get("signature"), "customers.signature", 1000, error),
        by_customer_note=_tell_by(raw.get("tell_by"), error),
    )


def _days(value: Any, key: str, least: int, error: Callable[[str], Exception]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value:
        raise error(f"`{key}` must be a whole number of days from {least}, not {value!r}")
    if value > MAX_PROMISE_DAYS:
        raise error(f"`{key}` must be at most {MAX_PROMISE_DAYS} days, not {value!r}")
    return value


def _modes(raw: Any, error: Callable[[str], Exception]) -> Mapping[NoticeKind, Mode]:
    kinds = [kind.value for kind in NoticeKind]
    if not isinstance(raw, dict):
        raise error("`customers.notices` must be a mapping of notice kinds to auto, approve or off")
    unknown = sorted(set(raw) - set(kinds))
    if unknown:
        raise error(
            f"unknown key `customers.notices.{unknown[0]}` "
            f"(allowed in `customers.notices`: {', '.join(kinds)})"
        )
    modes = dict(DEFAULT_MODES)
    choices = [mode.value for mode in Mode]
    for kind, value in raw.items():
        # YAML reads a bare `off` as False: take it as the word the user wrote.
        value = "off" if value is False else value
        if value not in choices:
            raise error(
                f"`customers.notices.{kind}` must be one of {', '.join(choices)}, not {value!r}"
            )
        modes[NoticeKind(kind)] = Mode(value)
    return MappingProxyType(modes)


def _tell_by(raw: Any, error: Callable[[str], Exception]) -> frozenset[str]:
    """The stores whose customers hear through the store's customer note, from
    `{woocommerce: customer_note, shopify: email}` (unnamed stores: email)."""
    if raw is None:
        return frozenset()
    if not isinstance(raw, dict):
        raise error("`customers.tell_by` must map a store (shopify, woocommerce) to how it tells")
    unknown = sorted(str(name) for name in raw if name not in TELL_BY)
    if unknown:
        raise error(f"unknown key `customers.tell_by.{unknown[0]}` (allowed: {', '.join(TELL_BY)})")
    for store, value in raw.items():
        if value not in TELL_BY[store]:
            raise error(
                f"`customers.tell_by.{store}` must be {' or '.join(TELL_BY[store])}, not {value!r}"
            )
    return frozenset(store for store, value in raw.items() if value == CUSTOMER_NOTE)


def _address(value: Any, key: str, error: Callable[[str], Exception]) -> str | None:
    if value is None:
        return None
    address = parseaddr(value)[1] if isinstance(value, str) else ""
    if "@" not in address or len(address) > 254 or "\n" in str(value):
        raise error(f'`{key}` must be an email address such as "Shop <shop@example.com>"')
    return str(value).strip()


def _url(value: Any, error: Callable[[str], Exception]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _URL.match(value.strip()):
        raise error(
            "`customers.journey_base_url` must be an http(s) address such as "
            f'"https://backorders.example.com", not {value!r}'
        )
    return value.strip().rstrip("/")


def _text(value: Any, key: str, limit: int, error: Callable[[str], Exception]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise error(f"`{key}` must be text of 1 to {limit} characters, or null")
    return value.strip()
