"""How people name an order: `4242`, `#4242`, or with its store, `shopify:4242`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.model import OrderSource
from domain.wording import either

# What people type before the colon; `woo` because that is what WooCommerce shops call it.
STORE_PREFIXES: dict[str, OrderSource] = {
    "shopify": OrderSource.SHOPIFY,
    "woocommerce": OrderSource.WOOCOMMERCE,
    "woo": OrderSource.WOOCOMMERCE,
    "orders": OrderSource.GENERIC,
}
_COUNTS = {2: "two", 3: "three"}


@dataclass(frozen=True)
class OrderRef:
    """An order number as the shop shows it, and the store when the person named one."""

    number: str
    source: OrderSource | None = None

    @classmethod
    def parse(cls, text: str) -> OrderRef:
        """`shopify:#4242` → 4242 of Shopify; a prefix that is no store stays in the number."""
        text = text.strip()
        prefix, colon, rest = text.partition(":")
        source = STORE_PREFIXES.get(prefix.strip().lower()) if colon else None
        number = rest if source is not None else text
        return cls(number.strip().lstrip("#").strip(), source)

    def matches(self, source: str) -> bool:
        return self.source is None or self.source == source

    def __str__(self) -> str:
        return named(self.source, self.number) if self.source else self.number


def shown(name: str) -> str:
    """An order as the shop's staff see it: its name as the store gives it (`#1002`, `SO-1166`,
    `#1166X01`); a bare number, as orders kept before names were, with the '#' shops show."""
    return f"#{name}" if name[:1].isdigit() else name


def named(source: str, number: str) -> str:
    """An order number with its store, as it can be typed back: `shopify:4242`."""
    return f"{source}:{number}"


def in_stores(number: str, sources: Iterable[str]) -> str:
    """What to say when one number belongs to orders of several stores, and how to pick one."""
    stores = [s.value for s in OrderSource if s.value in set(sources)]
    count = _COUNTS.get(len(stores), str(len(stores)))
    return f"Order {number} is in {count} stores: say {either([named(s, number) for s in stores])}"
