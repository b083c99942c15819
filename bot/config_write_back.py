"""`stores.write_back` in app.yaml: which stores hear what customers were told (WooCommerce: a
customer note on the order; Shopify: a tag and a line in the order's note). Off by default."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

STORES = ("shopify", "woocommerce")


def parse_write_back(raw: Any, error: Callable[[str], Exception]) -> frozenset[str]:
    """The stores written back to, from `{shopify: true, woocommerce: false}`."""
    if raw is None:
        return frozenset()
    if not isinstance(raw, dict):
        raise error("`stores.write_back` must map a store (shopify, woocommerce) to true or false")
    unknown = sorted(str(name) for name in raw if name not in STORES)
    if unknown:
        raise error(f"unknown key `stores.write_back.{unknown[0]}` (allowed: {', '.join(STORES)})")
    for name, value in raw.items():
        if not isinstance(value, bool):
            raise error(f"`stores.write_back.{name}` must be true or false, not {value!r}")
    return frozenset(name for name, on in raw.items() if on)
