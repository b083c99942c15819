"""The weekly deadline run at scale (1,000 suppliers, 200,000 waiting lines) against a floor.

Run from the repo root: `.venv/bin/python -m bench.deadline [--quick] [--database-url URL]`.
See bench/README.md for what is measured and how to read the ratios.
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import json
import pickle
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Table, func, select, text

from bench import servers
from bench.common import bounded, machine, machine_line, peak_rss_mib, profile_table, top_functions
from bot.config import parse_config
from bot.delivery.outbox_worker import OutboxWorker
from bot.facade import Backorders
from storage.db import Database, connect
from storage.migrate import upgrade
from storage.models import (
    OrderLineRow,
    OrderRow,
    OutboxRow,
    PoEventRow,
    PoLineRow,
    ProductRow,
    PurchaseOrderRow,
    SupplierRow,
)

RESULTS = servers.ROOT / "bench" / "results"
GOAL_S = 5.0
CHANNEL = "C0PURCHASE"
# Just after the default deadline (`fri 15:00`, UTC): the moment the scheduler runs the job.
NOW = datetime(2026, 12, 4, 15, 0, 30, tzinfo=UTC)
PLACED_OVER = timedelta(weeks=3)
BATCH = 10_000
LINES_PER_ORDER = 4
CASE_PACKS = (1, 6, 12)
NO_EARLY_RAISE = 10_000_000  # min_order_qty: no buffer reached its minimum before the deadline
CHILD_TIMEOUT_S = 600.0
MAX_SUPPLIERS, MAX_PRODUCTS_EACH, MAX_LINES = 5_000, 200, 1_000_000
PG_SCHEMA = "bench_deadline"
LOCAL_DB_HOSTS = ("", "127.0.0.1", "localhost", "::1")
PO_TABLES: tuple[Table, ...] = (PurchaseOrderRow.__table__, PoLineRow.__table__)  # type: ignore[assignment]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line, within the bench's bounds."""
    parser = argparse.ArgumentParser(prog="python -m bench.deadline", description=__doc__)
    parser.add_argument("--suppliers", type=bounded(1, MAX_SUPPLIERS), default=1_000)
    parser.add_argument("--products-each", type=bounded(1, MAX_PRODUCTS_EACH), default=20)
    parser.add_argument("--lines", type=bounded(1, MAX_LINES), default=200_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in a tmpdir)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 100 suppliers, 20k lines")
    parser.add_argument("--profile", action="store_true", help="profile even if the goal is met")
    parser.add_argument("--output", type=Path, default=RESULTS / "deadline.json")
    parser.add_argument("--child", choices=("run", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--child-url", help=argparse.SUPPRESS)
    parser.add_argument("--child-io", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-profile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.suppliers, args.lines = 100, 20_000
    if args.database_url and urlsplit(args.database_url).hostname not in (None, *LOCAL_DB_HOSTS):
        parser.error("--database-url must point at this machine")
    return args


# Seeding: Core executemany in batches, no ORM and no service calls.


def batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    """The rows in lists of at most `size`."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def supplier_rows(count: int) -> Iterator[dict[str, Any]]:
    """Suppliers whose minimum is never reached, two in three with an email address."""
    for n in range(1, count + 1):
        yield {
            "id": n,
            "name": f"Deadline Supplier {n:04d}",
            "email": f"orders@s{n}.example" if n % 3 else None,
            "lead_time_days": 5 + n % 10,
            "min_order_qty": NO_EARLY_RAISE,
        }


def product_rows(suppliers: int, each: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """`each` products per supplier, nothing on hand, case packs of 1, 6 or 12."""
    for index in range(suppliers * each):
        yield {
            "id": index + 1,
            "sku": f"DL-{index:06d}",
            "name": f"Deadline bench product {index}",
            "supplier_id": 1 + index // each,
            "on_hand": 0,
            "case_pack": rng.choice(CASE_PACKS),
            "unit_cost": Decimal(rng.randint(50, 9_999)) / 100,
        }


def placed_times(orders: int, rng: random.Random) -> list[datetime]:
    """When each order was placed: spread over the three weeks before the deadline, in order."""
    start = NOW - PLACED_OVER
    span = PLACED_OVER.total_seconds() - 60
    return sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(orders))


def order_rows(placed: list[datetime]) -> Iterator[dict[str, Any]]:
    """One generic order per placing time."""
    for n, at in enumerate(placed, start=1):
        yield {
            "id": n,
            "source": "orders",
            "external_id": f"deadline-{n}",
            "number": str(100_000 + n),
            "customer": f"customer{n % 5_000}@example.com",
            "placed_at": at,
            "source_updated_at": at,
            "received_at": at,
            "cancelled_at": None,
        }


def line_rows(
    placed: list[datetime], lines: int, products: int, rng: random.Random
) -> Iterator[dict[str, Any]]:
    """Waiting lines on random products: all of the quantity waits (and was backordered)."""
    for index in range(lines):
        order_id = 1 + index // LINES_PER_ORDER
        product = rng.randrange(products)
        quantity = rng.randint(1, 3)
        yield {
            "order_id": order_id,
            "line_ref": str(1 + index % LINES_PER_ORDER),
            "sku": f"DL-{product:06d}",
            "product_id": product + 1,
            "name": f"Deadline bench product {product}",
            "quantity": quantity,
            "allocated_qty": 0,
            "waiting_qty": quantity,
            "backordered_qty": quantity,
            "issue": None,
            "placed_at": placed[order_id - 1],
        }


def insert_all(database: Database, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    """Core executemany per batch, one transaction per table; returns the row count."""
    count = 0
    with database.engine.begin() as conn:
        for batch in batches(rows):
            conn.execute(table.insert(), batch)
            count += len(batch)
    return count


def seed(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Migrate a fresh database and fill it; returns row counts and the seconds it took."""
    rng = random.Random(48)
    database = connect(url)
    try:
        start = time.perf_counter()
        upgrade(database)
        migrated = time.perf_counter()
        placed = placed_times(-(-args.lines // LINES_PER_ORDER), rng)
        products = args.suppliers * args.products_each
        tables: list[tuple[Any, Iterator[dict[str, Any]]]] = [
            (SupplierRow, supplier_rows(args.suppliers)),
            (ProductRow, product_rows(args.suppliers, args.products_each, rng)),
            (OrderRow, order_rows(placed)),
            (OrderLineRow, line_rows(placed, args.lines, products, rng)),
        ]
        counts = {
            model.__tablename__: insert_all(database, model.__table__, rows)
            for model, rows in tables
        }
        analyze(database)
        done = time.perf_counter()
    finally:
        database.dispose()
    return {"rows": counts, "migrate_s": migrated - start, "insert_s": done - migrated}


def analyze(database: Database) -> None:
    """Planner statistics, as a database that has been in use for weeks would have them."""
    with database.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so a plain copy of the file is the whole database."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


# Fresh databases: SQLite files copied from one seeded file, PostgreSQL schemas seeded anew.


class Databases:
    """Fresh, identically seeded databases for the run, the floor and the profile."""

    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.server_url: str | None = args.database_url
        self.schemas: list[str] = []
        self.seeding: dict[str, Any] = {}

    def fresh(self, name: str) -> str:
        """The URL of a new database holding the seeded data and nothing else."""
        if self.server_url:
            schema = f"{PG_SCHEMA}_{name}"
            servers.fresh_schema(self.server_url, schema)
            self.schemas.append(schema)
            url = servers.with_schema(self.server_url, schema)
            self.seeding.setdefault(name, seed(url, self.args))
            return url
        base = self.tmp / "seeded.db"
        if not base.exists():
            self.seeding["base"] = seed(f"sqlite:///{base}", self.args)
            checkpoint(base)
        copy = self.tmp / f"{name}.db"
        shutil.copyfile(base, copy)
        return f"sqlite:///{copy}"

    def drop(self) -> None:
        """Drop the PostgreSQL schemas made for this run (SQLite files go with the tmpdir)."""
        for schema in self.schemas:
            assert self.server_url is not None
            servers.fresh_schema(self.server_url, schema, create=False)


# The measured children, each in a fresh interpreter.


def deadline_clock() -> datetime:
    """The clock of the measured run: just after the Friday deadline."""
    return NOW


def child_run(url: str, profile_to: Path | None) -> dict[str, Any]:
    """`Backorders.run_deadline()` once, timed, then what it wrote."""
    database = connect(url)
    desk = Backorders(
        database, clock=deadline_clock, config=parse_config({"slack": {"channel": CHANNEL}})
    )
    rss_before = peak_rss_mib()
    profiler = cProfile.Profile() if profile_to else None
    cpu, start = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    done = desk.run_deadline()
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    if profiler and profile_to:
        profiler.dump_stats(str(profile_to))
    result = {"wall_s": wall, "cpu_s": cpu, "rss_before_mib": rss_before}
    result |= {
        "peak_rss_mib": peak_rss_mib(),
        "results": dict(Counter(s.split(": ")[-1] for s in done)),
    }
    result |= written(database)
    database.dispose()
    return result


def written(database: Database) -> dict[str, Any]:
    """Proposals, lines, units, audit entries and outbox messages in the database now."""
    po, lines, outbox = PurchaseOrderRow.__table__, PoLineRow.__table__, OutboxRow.__table__
    with database.reader.connect() as conn:
        channels = conn.execute(select(outbox.c.channel, func.count()).group_by(outbox.c.channel))
        kinds = conn.execute(select(outbox.c.kind, func.count()).group_by(outbox.c.kind))
        return {
            "proposals": conn.execute(select(func.count()).select_from(po)).scalar_one(),
            "po_lines": conn.execute(select(func.count()).select_from(lines)).scalar_one(),
            "po_units": int(conn.execute(select(func.sum(lines.c.quantity))).scalar_one() or 0),
            "po_events": conn.execute(
                select(func.count()).select_from(PoEventRow.__table__)
            ).scalar_one(),
            "outbox_by_channel": {str(k): int(v) for k, v in channels},
            "outbox_by_kind": {str(k): int(v) for k, v in kinds},
        }


def child_floor(url: str, rows_file: Path) -> dict[str, Any]:
    """The run's purchase_orders and po_lines rows, inserted bare: Core executemany, commit."""
    data: dict[str, list[dict[str, Any]]] = pickle.loads(rows_file.read_bytes())
    database = connect(url)
    cpu, start = time.process_time(), time.perf_counter()
    with database.writer_turn(), database.engine.begin() as conn:
        for table in PO_TABLES:
            for batch in batches(iter(data[table.name])):
                conn.execute(table.insert(), batch)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    database.dispose()
    return {"wall_s": wall, "cpu_s": cpu, "rows": {k: len(v) for k, v in data.items()}}


def child_main(args: argparse.Namespace) -> int:
    """In the child: measure, and leave the result as JSON where the parent said."""
    if args.child == "run":
        result = child_run(args.child_url, args.child_profile)
    else:
        result = child_floor(args.child_url, args.child_io.with_suffix(".rows"))
    args.child_io.write_text(json.dumps(result))
    return 0


def in_child(kind: str, url: str, io: Path, profile_to: Path | None = None) -> dict[str, Any]:
    """Run `--child KIND` in a fresh interpreter (bounded in time) and read its result."""
    command = [sys.executable, "-m", "bench.deadline", "--child", kind, "--child-url", url]
    command += ["--child-io", str(io)] + (
        ["--child-profile", str(profile_to)] if profile_to else []
    )
    done = subprocess.run(
        command,
        cwd=servers.ROOT,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.deadline --child {kind} failed:\n{done.stdout}{done.stderr}")
    return json.loads(io.read_text())


def export_po_rows(url: str, path: Path) -> None:
    """The rows the run wrote to purchase_orders and po_lines, for the floor to insert."""
    database = connect(url)
    with database.reader.connect() as conn:
        data = {
            t.name: [dict(r) for r in conn.execute(select(t).order_by(t.c.id)).mappings()]
            for t in PO_TABLES
        }
    database.dispose()
    path.write_bytes(pickle.dumps(data))


# Reading the results.


def pacing(run: dict[str, Any]) -> dict[str, Any]:
    """How long the outbox needs to deliver what was queued, at one message per channel-pace."""
    pace = inspect.signature(OutboxWorker).parameters["pace_s"].default
    busiest = max(run["outbox_by_channel"].items(), key=lambda item: item[1], default=("-", 0))
    return {
        "pace_s": pace,
        "channel": busiest[0],
        "messages": busiest[1],
        "seconds": busiest[1] * pace,
    }


def markdown(results: dict[str, Any]) -> str:
    """The table, then the goal, the outbox pacing and the machine."""
    run, floor, seeding = results["run"], results["floor"], results["seeding"]
    first = next(iter(seeding.values()))  # PostgreSQL seeds each schema; they are alike
    seed_s, seed_rows = first["migrate_s"] + first["insert_s"], first["rows"]
    lines = [
        "| step | wall s | CPU s | what | peak RSS MiB | wall / floor | CPU / floor |",
        "|---|---:|---:|---|---:|---:|---:|",
        f"| seed (Core executemany, {BATCH:,}-row batches) | {seed_s:.2f} | | "
        f"{seed_rows['suppliers']:,} suppliers, {seed_rows['products']:,} products, "
        f"{seed_rows['order_lines']:,} waiting lines | | | |",
        f"| floor: bare INSERT of the same PO rows + commit | {floor['wall_s']:.3f} | "
        f"{floor['cpu_s']:.3f} | {floor['rows']['purchase_orders']:,} purchase_orders, "
        f"{floor['rows']['po_lines']:,} po_lines | | 1.00 | 1.00 |",
        f"| `Backorders.run_deadline()` | {run['wall_s']:.3f} | {run['cpu_s']:.3f} | "
        f"{run['proposals']:,} proposals, {run['po_lines']:,} lines, "
        f"{sum(run['outbox_by_kind'].values()):,} outbox messages | "
        f"{run['peak_rss_mib']:.0f} ({run['rss_before_mib']:.0f} before) | "
        f"{results['ratio_wall']:.1f} | {results['ratio_cpu']:.1f} |",
        "",
        verdict(results),
        outbox_line(results["pacing"]),
        machine_line(results["machine"]),
    ]
    return "\n".join(lines)


def verdict(results: dict[str, Any]) -> str:
    """Where the run stands against the goal (reported, never asserted)."""
    run, settings = results["run"], results["settings"]
    state = "met" if run["wall_s"] < GOAL_S else "NOT met"
    return (
        f"Goal: every proposal for {settings['suppliers']:,} suppliers and {settings['lines']:,} "
        f"waiting lines in under {GOAL_S:g} s: {state} ({run['wall_s']:.2f} s wall, "
        f"{run['cpu_s']:.2f} s CPU, {run['proposals']:,} proposals)."
    )


def outbox_line(p: dict[str, Any]) -> str:
    """The computed time to deliver the queued messages at the per-channel pace."""
    minutes = p["seconds"] / 60
    return (
        f"Outbox (computed, not measured): {p['messages']:,} messages to {p['channel']} at "
        f"OutboxWorker's pace of {p['pace_s']:g} s per channel take ~{p['seconds']:,.0f} s "
        f"({minutes:.1f} min) to reach Slack."
    )


def measure(args: argparse.Namespace, tmp: Path, databases: Databases) -> dict[str, Any]:
    """Seed, run the deadline, insert its rows bare as the floor, and profile if it was slow."""
    host = machine(args)
    run_url = databases.fresh("run")
    seeded = next(iter(databases.seeding.values()))
    print(f"seeded: {seeded['rows']} in {seeded['insert_s']:.2f} s", flush=True)
    run = in_child("run", run_url, tmp / "run.json")
    print(f"run_deadline: {run['wall_s']:.2f} s, {run['proposals']} proposals", flush=True)
    export_po_rows(run_url, tmp / "floor.rows")
    floor = in_child("floor", databases.fresh("floor"), tmp / "floor.json")
    results = {
        "machine": host,
        "settings": {k: args.__dict__[k] for k in ("suppliers", "products_each", "lines")},
        "now": NOW.isoformat(),
        "seeding": databases.seeding,
        "run": run,
        "floor": floor,
        "ratio_wall": run["wall_s"] / floor["wall_s"],
        "ratio_cpu": run["cpu_s"] / floor["cpu_s"],
        "pacing": pacing(run),
    }
    if args.profile or run["wall_s"] >= GOAL_S:
        prof = RESULTS / "deadline.prof"
        profiled = in_child("run", databases.fresh("profile"), tmp / "profile.json", prof)
        results["profile"] = {"wall_s": profiled["wall_s"], "top": top_functions(prof)}
    return results


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table (and the profile), write the JSON."""
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-deadline-") as tmp:
        databases = Databases(args, Path(tmp))
        try:
            results = measure(args, Path(tmp), databases)
        finally:
            databases.drop()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print()
    print(markdown(results))
    if "profile" in results:
        print(
            f"\ncProfile of a second run ({results['profile']['wall_s']:.2f} s under the "
            "profiler), project functions by cumulative time (bench/results/deadline.prof):\n"
        )
        print(profile_table(results["profile"]["top"]))
    print(f"\nRaw numbers: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
