"""A database with a big open backlog for `bench.slack_ack`: catalog imported, orders ingested.

The catalog goes in as an operator would (`python -m bot import`); the orders go through the
real ingestion service in this process (`Backorders.ingest`, one transaction per order), which
is the fastest honest way to get 100,000 waiting lines: no HTTP, same rows as webhooks write.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

from bench import servers
from bench.workload import PRODUCT_HEADER, SUPPLIER_HEADER
from bot.facade import Backorders
from domain.model import Delivery, IncomingLine, IncomingOrder, OrderSource
from storage.db import connect

SUPPLIERS = 50
PRODUCTS = 5_000
ORDERS = 34_000
LINES_PER_ORDER = 3
FIRST_NUMBER = 100_001
MAX_ORDERS = 200_000  # the seeding loop's bound
DB_NAME = "slack-bench.db"


@dataclass(frozen=True)
class Seeded:
    """What the load may ask about, and how the seeding went."""

    skus: tuple[str, ...]
    suppliers: tuple[str, ...]
    order_numbers: tuple[int, int]  # first and last
    import_s: float
    ingest_s: float
    waiting_lines: int
    waiting_units: int


def supplier_name(index: int) -> str:
    return f"Slack Bench Supplier {index:02d}"


def sku(index: int) -> str:
    return f"SB-{index:05d}"


def write_catalog(path: Path, suppliers: int = SUPPLIERS, products: int = PRODUCTS) -> None:
    """Suppliers + Products workbook; on_hand 0 everywhere, so every ordered unit waits."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Suppliers"
    sheet.append(SUPPLIER_HEADER)
    for n in range(1, suppliers + 1):
        sheet.append((supplier_name(n), f"orders@s{n}.example", 5 + n % 10, 0))
    sheet = workbook.create_sheet("Products")
    sheet.append(PRODUCT_HEADER)
    for i in range(products):
        supplier = supplier_name(1 + i % suppliers)
        sheet.append((sku(i), f"Slack bench product {i}", supplier, 0, 6, 4.25))
    workbook.save(path)


def delivery(n: int, skus: list[str], placed_at: datetime, rng: random.Random) -> Delivery:
    """The n-th seeded generic order, as the webhook parser would hand it to the service."""
    lines = tuple(
        IncomingLine(line_ref=str(i), sku=s, name="", quantity=rng.randint(1, 3))
        for i, s in enumerate(skus, start=1)
    )
    order = IncomingOrder(
        source=OrderSource.GENERIC,
        external_id=f"seed-{n}",
        number=str(FIRST_NUMBER + n),
        placed_at=placed_at,
        updated_at=placed_at,
        cancelled=False,
        lines=lines,
    )
    return Delivery(source=OrderSource.GENERIC, key=f"seed-{n}", topic="order", order=order)


def ingest_orders(url: str, count: int, all_skus: list[str], seed: int = 7) -> float:
    """Ingest `count` orders in-process through the real service; returns the seconds taken."""
    if not 0 < count <= MAX_ORDERS:
        raise ValueError(f"1..{MAX_ORDERS} orders")
    rng = random.Random(seed)
    backorders = Backorders(connect(url))
    start_at = datetime.now(UTC) - timedelta(days=20)
    step = timedelta(days=19) / count  # placed over three weeks, oldest first
    started = time.perf_counter()
    for n in range(count):
        skus = rng.sample(all_skus, LINES_PER_ORDER)
        backorders.ingest(delivery(n, skus, start_at + n * step, rng))
        if n and n % 10_000 == 0:
            print(f"  seeded {n} orders in {time.perf_counter() - started:.1f} s", flush=True)
    seconds = time.perf_counter() - started
    backorders.database.dispose()
    return seconds


def seed_cached(tmp: Path, orders: int, cache: Path | None) -> tuple[str, Seeded]:
    """`seed`, or a copy of the database an earlier run seeded with as many orders into `cache`
    (a directory; seeding 34,000 orders takes minutes, and runs are compared on one seed)."""
    if cache is None:
        return seed(tmp, orders)
    stored, about = cache / f"slack-seed-{orders}.db", cache / f"slack-seed-{orders}.json"
    if not (stored.exists() and about.exists()):
        cache.mkdir(parents=True, exist_ok=True)
        url, seeded = seed(tmp, orders)
        shutil.copyfile(tmp / DB_NAME, stored)
        about.write_text(json.dumps(vars(seeded)))
        return url, seeded
    shutil.copyfile(stored, tmp / DB_NAME)
    fields = json.loads(about.read_text())
    for name in ("skus", "suppliers", "order_numbers"):
        fields[name] = tuple(fields[name])
    print(f"Seed copied from {stored}", flush=True)
    return f"sqlite:///{tmp / DB_NAME}", Seeded(**fields)


def seed(tmp: Path, orders: int = ORDERS) -> tuple[str, Seeded]:
    """A fresh SQLite database in `tmp`, seeded; its URL and what was put in."""
    url = f"sqlite:///{tmp / DB_NAME}"
    workbook = tmp / "catalog.xlsx"
    write_catalog(workbook)
    started = time.perf_counter()
    print(servers.run_bot_command(["import", str(workbook)], servers.bot_env(url)), flush=True)
    import_s = time.perf_counter() - started
    skus = [sku(i) for i in range(PRODUCTS)]
    ingest_s = ingest_orders(url, orders, skus)
    database = connect(url)
    overview = Backorders(database).overview()
    database.dispose()
    seeded = Seeded(
        skus=tuple(skus),
        suppliers=tuple(supplier_name(n) for n in range(1, SUPPLIERS + 1)),
        order_numbers=(FIRST_NUMBER, FIRST_NUMBER + orders - 1),
        import_s=import_s,
        ingest_s=ingest_s,
        waiting_lines=sum(s.waiting_lines for s in overview.suppliers),
        waiting_units=overview.waiting_units,
    )
    return url, seeded
