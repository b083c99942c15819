"""Customer notices at scale: 10,000 delayed lines prepared, then mailed beside Slack messages.

Run from the repo root: `.venv/bin/python -m bench.customer_notices [--quick]`.
See bench/README.md for what is measured and how to read the ratios.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import random
import shutil
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Table, func, select

from bench import notice_delivery, servers
from bench.common import bounded, machine, profile_table, top_functions
from bench.deadline import batches
from bot.config import AppConfig, parse_config
from bot.facade import Backorders
from storage.db import Database, connect
from storage.migrate import upgrade
from storage.models import (
    CustomerNoticeRow,
    OrderLineRow,
    OrderRow,
    OutboxRow,
    ProductRow,
    SupplierRow,
)

RESULTS = servers.ROOT / "bench" / "results"
GOAL_S = 5.0
SUPPLIERS, PRODUCTS_EACH = 100, 10
LEAD_DAYS, PROMISE_DAYS = 30, 2  # every line is expected a month out, promised in two days
PG_SCHEMA = "bench_notices"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOCAL_DB_HOSTS = ("", "127.0.0.1", "localhost", "::1")
WRITTEN: tuple[Table, ...] = (CustomerNoticeRow.__table__, OutboxRow.__table__)  # type: ignore[assignment]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.customer_notices", description=__doc__)
    parser.add_argument("--lines", type=bounded(10, 200_000), default=10_000)
    parser.add_argument("--orders", type=bounded(1, 100_000), default=4_000)
    parser.add_argument("--postgres-url", default=PG_DEFAULT, help="'' to skip PostgreSQL")
    parser.add_argument("--smtp-ms", type=bounded(0, 5_000), default=50, help="SMTP pace")
    parser.add_argument("--slow-smtp-ms", type=bounded(0, 15_000), default=1_000)
    parser.add_argument("--window", type=float, default=6.0, help="seconds per delivery run")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,000 lines, 3 s runs")
    parser.add_argument("--profile", action="store_true", help="profile even if the goal is met")
    parser.add_argument("--output", type=Path, default=RESULTS / "customer_notices.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.lines, args.orders, args.window = 1_000, 400, 3.0
    host = urlsplit(args.postgres_url).hostname if args.postgres_url else None
    if host not in (None, *LOCAL_DB_HOSTS):
        parser.error("--postgres-url must point at this machine")
    return args


def bench_config() -> AppConfig:
    """Delay notices sent without approval, so each one is an outbox row for the mail."""
    return parse_config(
        {
            "slack": {"channel": "C0PURCHASE"},
            "customers": {"from": "Bench Shop <shop@shop.example>", "notices": {"delayed": "auto"}},
        }
    )


# Seeding: Core executemany, no services (the bench seeds, it does not measure ingestion).


def seed_rows(args: argparse.Namespace, now: datetime) -> list[tuple[Any, list[dict[str, Any]]]]:
    """Suppliers, products with nothing on hand, orders a day old with a customer's address,
    and their lines: all waiting, promised in two days, expected a lead time away."""
    rng = random.Random(13)
    products = SUPPLIERS * PRODUCTS_EACH
    received = now - timedelta(days=1)
    promised = now + timedelta(days=PROMISE_DAYS)
    suppliers = [
        {"id": n, "name": f"Notice Supplier {n:03d}", "email": None, "lead_time_days": LEAD_DAYS,
         "min_order_qty": 10_000_000}
        for n in range(1, SUPPLIERS + 1)
    ]  # fmt: skip
    catalog = [
        {"id": i + 1, "sku": f"NT-{i:05d}", "name": f"Notice bench product {i}",
         "supplier_id": 1 + i // PRODUCTS_EACH, "on_hand": 0, "case_pack": 1,
         "unit_cost": Decimal("9.99")}
        for i in range(products)
    ]  # fmt: skip
    orders = [
        {"id": n, "source": "orders", "external_id": f"notice-{n}", "number": str(200_000 + n),
         "customer": f"Customer {n}", "customer_email": f"customer{n}@example.com",
         "customer_first_name": f"Ann{n}", "placed_at": received, "source_updated_at": received,
         "received_at": received, "cancelled_at": None}
        for n in range(1, args.orders + 1)
    ]  # fmt: skip
    lines = []
    for index in range(args.lines):
        product, quantity = rng.randrange(products), rng.randint(1, 3)
        lines.append(
            {"order_id": 1 + index * args.orders // args.lines, "line_ref": str(index),
             "sku": f"NT-{product:05d}", "product_id": product + 1,
             "name": f"Notice bench product {product}", "quantity": quantity,
             "allocated_qty": 0, "waiting_qty": quantity, "backordered_qty": quantity,
             "issue": None, "placed_at": received, "promised_by": promised,
             "promise_source": "default"}
        )  # fmt: skip
    return [
        (SupplierRow, suppliers),
        (ProductRow, catalog),
        (OrderRow, orders),
        (OrderLineRow, lines),
    ]


def seed(database: Database, rows: list[tuple[Any, list[dict[str, Any]]]]) -> float:
    """Migrate and fill; the seconds it took."""
    start = time.perf_counter()
    upgrade(database)
    with database.engine.begin() as conn:
        for model, table_rows in rows:
            for batch in batches(iter(table_rows)):
                conn.execute(model.__table__.insert(), batch)
    return time.perf_counter() - start


class Databases:
    """Fresh seeded databases: SQLite files copied from one seeded file, or PostgreSQL schemas
    (`bench_notices_<name>`, never `public`) seeded anew and dropped at the end."""

    def __init__(self, server_url: str | None, tmp: Path, rows: list[Any]) -> None:
        self.server_url, self.tmp, self.rows = server_url, tmp, rows
        self.schemas: list[str] = []
        self.seed_s = 0.0
        self.seeded: Path | None = None

    def fresh(self, name: str) -> Database:
        if self.server_url:
            schema = f"{PG_SCHEMA}_{name}"
            servers.fresh_schema(self.server_url, schema)
            self.schemas.append(schema)
            database = connect(servers.with_schema(self.server_url, schema))
            self.seed_s = seed(database, self.rows)
            return database
        if self.seeded is None:
            self.seeded = self.tmp / "seeded.db"
            seeding = connect(f"sqlite:///{self.seeded}")
            self.seed_s = seed(seeding, self.rows)
            seeding.dispose()
        path = self.tmp / f"{name}.db"
        shutil.copy(self.seeded, path)
        return connect(f"sqlite:///{path}")

    def drop(self) -> None:
        for schema in self.schemas:
            servers.fresh_schema(self.server_url or "", schema, create=False)


# Preparing: the job, and the bare commit of the rows it wrote.


def prepare(database: Database, now: datetime, profile: Path | None = None) -> dict[str, Any]:
    """`send_customer_notices()` timed (wall and CPU), and what it wrote."""
    desk = Backorders(database, lambda: now, bench_config(), email_enabled=True)
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    written = desk.send_customer_notices()
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(profile))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    with database.engine.connect() as conn:
        notices = conn.execute(select(func.count()).select_from(CustomerNoticeRow)).scalar_one()
        told = conn.execute(
            select(func.count(func.distinct(CustomerNoticeRow.order_id)))
        ).scalar_one()
        by_channel = select(OutboxRow.channel, func.count()).group_by(OutboxRow.channel)
        outbox = Counter(dict(conn.execute(by_channel).all()))  # type: ignore[arg-type]
    return {"wall_s": wall, "cpu_s": cpu, "written": written, "notices": notices,
            "orders_told": told, "outbox": dict(outbox)}  # fmt: skip


def floor(source: Database, target: Database) -> dict[str, Any]:
    """The very rows the run wrote (notices and outbox), inserted bare in one transaction."""
    with source.engine.connect() as conn:
        rows = {t.name: [dict(r) for r in conn.execute(select(t)).mappings()] for t in WRITTEN}
    wall, cpu = time.perf_counter(), time.process_time()
    with target.writer_turn(), target.engine.begin() as conn:
        for table in WRITTEN:
            for batch in batches(iter(rows[table.name])):
                conn.execute(table.insert(), batch)
    return {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "rows": {name: len(found) for name, found in rows.items()},
    }


def measure_prepare(
    args: argparse.Namespace, kind: str, server_url: str | None, tmp: Path, now: datetime
) -> tuple[dict[str, Any], Database]:
    """Seed, run, floor (and profile when over the goal) on one kind of database."""
    databases = Databases(server_url, tmp / kind, seed_rows(args, now))
    (tmp / kind).mkdir()
    run_db = databases.fresh("run")
    floor_db = databases.fresh("floor")
    result: dict[str, Any] = {"database": kind, "seed_s": databases.seed_s}
    try:
        result["run"] = prepare(run_db, now)
        result["floor"] = floor(run_db, floor_db)
        floor_db.dispose()
        if args.profile or result["run"]["wall_s"] > GOAL_S:
            path = RESULTS / f"customer_notices_{kind}.prof"
            profiled = databases.fresh("profile")
            prepare(profiled, now, profile=path)
            profiled.dispose()
            result["profile"] = top_functions(path)
    finally:
        if server_url:
            run_db.dispose()
            databases.drop()
    return result, run_db


def prepare_table(results: list[dict[str, Any]], lines: int) -> list[str]:
    out = [
        "| database | step | wall s | CPU s | what | wall / floor | CPU / floor |",
        "|---|---|---:|---:|---|---:|---:|",
    ]
    for r in results:
        db, run, bare = r["database"], r["run"], r["floor"]
        rows = ", ".join(f"{n:,} {t}" for t, n in bare["rows"].items())
        wrote = f"{run['notices']:,} delay notices ({run['orders_told']:,} orders), outbox rows"
        wrote += "".join(f" {channel}: {n:,}" for channel, n in run["outbox"].items())
        ratios = f"{run['wall_s'] / bare['wall_s']:.1f} | {run['cpu_s'] / bare['cpu_s']:.1f}"
        out += [
            f"| {db} | seed (Core executemany) | {r['seed_s']:.2f} | | {lines:,} lines | | |",
            f"| {db} | floor: bare INSERT of the same rows + commit | {bare['wall_s']:.3f}"
            f" | {bare['cpu_s']:.3f} | {rows} | 1.00 | 1.00 |",
            f"| {db} | `send_customer_notices()` | {run['wall_s']:.3f} | {run['cpu_s']:.3f}"
            f" | {wrote} | {ratios} |",
        ]
    return out


def goal_lines(results: list[dict[str, Any]]) -> list[str]:
    out = []
    for r in results:
        took = r["run"]["wall_s"]
        verdict = "met" if took < GOAL_S else "NOT met"
        out.append(
            f"goal ({r['database']}): prepared in {took:.2f} s (< {GOAL_S:.0f} s): {verdict}"
        )
        if "profile" in r:
            out += profile_table(r["profile"]).splitlines()
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "machine": machine(argparse.Namespace(database_url=None)),
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    m = report["machine"]
    print(
        f"{m['cpu_count']} CPUs, Python {m['python']}, SQLite {m['sqlite']},"
        f" load average {m['loadavg_before'][0]:.1f}",
        flush=True,
    )
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="bench-notices-") as tmp:
        prepared: list[dict[str, Any]] = []
        sqlite_result, sqlite_db = measure_prepare(args, "sqlite", None, Path(tmp), now)
        prepared.append(sqlite_result)
        if args.postgres_url:
            pg = measure_prepare(args, "postgresql", args.postgres_url, Path(tmp), now)
            prepared.append(pg[0])
        report["prepare"] = prepared
        print("\n".join(prepare_table(prepared, args.lines) + goal_lines(prepared)), flush=True)
        report["delivery"] = notice_delivery.run_all(
            sqlite_db, Path(tmp) / "sqlite" / "seeded.db", bench_config(), args.smtp_ms / 1000,
            args.window, args.slow_smtp_ms / 1000,
        )  # fmt: skip
        print("\n".join(notice_delivery.delivery_table(report["delivery"])))
    args.output.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nraw numbers: {args.output.relative_to(servers.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
