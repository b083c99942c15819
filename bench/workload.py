"""The bench's data: a catalog workbook to import, and signed generic orders made before timing."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook

SECRET = "bench-secret"
SUPPLIERS = 5
PRODUCTS = 2_000
LINES_PER_ORDER = 3
SUPPLIER_HEADER = ("supplier", "email", "lead_time_days", "min_order_qty")
PRODUCT_HEADER = ("sku", "name", "supplier", "on_hand", "case_pack", "unit_cost")

Request = tuple[bytes, dict[str, str]]


@dataclass(frozen=True)
class Catalog:
    """What the orders may ask for: the SKUs of the imported workbook."""

    skus: tuple[str, ...]


def sku(index: int) -> str:
    return f"BENCH-{index:05d}"


def on_hand(index: int, rng: random.Random) -> int:
    """None for every third SKU; for the rest about what a default run orders of each, so stock
    runs out during the run and roughly a third to a half of the units end up backordered."""
    return 0 if index % 3 == 0 else rng.randint(10, 50)


def write_catalog(path: Path, seed: int = 1) -> Catalog:
    """Write a Suppliers + Products workbook for `python -m bot import`."""
    rng = random.Random(seed)
    workbook = Workbook()
    suppliers = workbook.active
    suppliers.title = "Suppliers"
    suppliers.append(SUPPLIER_HEADER)
    names = [f"Bench Supplier {n}" for n in range(1, SUPPLIERS + 1)]
    for n, name in enumerate(names, start=1):
        suppliers.append((name, f"orders@supplier{n}.example", 3 + 2 * n, 0))
    products = workbook.create_sheet("Products")
    products.append(PRODUCT_HEADER)
    for i in range(PRODUCTS):
        supplier = names[i % SUPPLIERS]
        products.append((sku(i), f"Bench product {i}", supplier, on_hand(i, rng), 6, 2.5))
    workbook.save(path)
    return Catalog(tuple(sku(i) for i in range(PRODUCTS)))


def order_body(order_id: str, placed_at: str, skus: list[str], rng: random.Random) -> bytes:
    """A generic order (GENERIC_SCHEMA.md) with three lines, quantities 1 to 3."""
    lines = [
        {"id": str(n), "sku": s, "quantity": rng.randint(1, 3)} for n, s in enumerate(skus, start=1)
    ]
    body = {"id": order_id, "number": order_id, "placed_at": placed_at, "lines": lines}
    return json.dumps(body, separators=(",", ":")).encode()


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    """Headers a store sends with a generic order: JSON and `X-Signature: sha256=<hex>`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Signature": f"sha256={digest}"}


def make_orders(catalog: Catalog, prefix: str, count: int, seed: int) -> list[Request]:
    """`count` signed orders with unique ids `<prefix>-<n>`, each for three distinct SKUs."""
    rng = random.Random(seed)
    placed_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    orders: list[Request] = []
    for n in range(count):
        skus = rng.sample(catalog.skus, LINES_PER_ORDER)
        body = order_body(f"{prefix}-{n}", placed_at, skus, rng)
        orders.append((body, signed(body)))
    return orders


def units(orders: list[Request]) -> int:
    """Units ordered across `orders` (read back after timing, never during it)."""
    return sum(line["quantity"] for body, _ in orders for line in json.loads(body)["lines"])
