"""Small builders for catalogs, orders and deliveries, in the shop's own words."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.model import (
    Catalog,
    Delivery,
    IncomingLine,
    IncomingOrder,
    OrderSource,
    Product,
    Supplier,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
_keys = itertools.count(1)


def catalog(*products: tuple[str, int] | tuple[str, int, int], supplier: str = "Acme") -> Catalog:
    """A one-supplier catalog from (sku, on_hand[, case_pack]) tuples."""
    return Catalog(
        suppliers=(Supplier(supplier, "orders@acme.test", 7, 0),),
        products=tuple(
            Product(
                p[0], f"Product {p[0]}", supplier, p[1], p[2] if len(p) > 2 else 1, Decimal("2.50")
            )
            for p in products
        ),
    )


def order(
    number: str,
    *lines: tuple[str | None, int],
    placed: datetime = T0,
    updated: datetime | None = None,
    cancelled: bool = False,
    source: OrderSource = OrderSource.GENERIC,
) -> IncomingOrder:
    """An order with (sku, quantity) lines, numbered 1, 2, 3..."""
    return IncomingOrder(
        source=source,
        external_id=f"ext-{number}",
        number=number,
        placed_at=placed,
        updated_at=updated or placed,
        cancelled=cancelled,
        lines=tuple(
            IncomingLine(str(i), sku, f"Item {sku}", qty) for i, (sku, qty) in enumerate(lines, 1)
        ),
    )


def delivery(incoming: IncomingOrder, key: str | None = None) -> Delivery:
    return Delivery(incoming.source, key or f"delivery-{next(_keys)}", "order", incoming)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
