"""The weekly digest on a year of history, each step in a fresh process, against a full scan.

Run from the repo root: `.venv/bin/python -m bench.digest [--lines 1000000] [--runs 3]`.
See bench/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import event, insert, inspect

from domain.views import OpenLine
from handlers.blocks.digest import digest_message
from storage.db import Database, connect
from storage.digest import SqlDigest
from storage.digest_workbook import digest_workbook
from storage.migrate import upgrade
from storage.models import (
    OrderLineRow,
    OrderRow,
    PoLineRow,
    ProductRow,
    PurchaseOrderRow,
    SupplierRow,
)
from storage.unit_of_work import SqlUnitOfWork

RESULTS = Path(__file__).resolve().parent / "results"
NOW = datetime(2026, 11, 16, 9, tzinfo=UTC)
WEEK_START, WEEK_END = datetime(2026, 11, 9, tzinfo=UTC), datetime(2026, 11, 16, tzinfo=UTC)
ZONE = ZoneInfo("Europe/London")
SUPPLIERS, PRODUCTS, DAYS, BATCH = 1_000, 20_000, 364, 60_000
GOAL_S, GOAL_MIB, MAX_LINES, MAX_RUNS, CHILD_TIMEOUT_S = 2.0, 300, 2_000_000, 9, 600
STEPS = ("imports", "floor", "build", "message", "workbook", "xlsx_floor")
INDEX_STEPS = ("floor", "build")  # the indexes change nothing else
# What the week's queries would use: created in this bench's database only, for comparison.
CANDIDATE_INDEXES = (
    "CREATE INDEX ix_orders_received_at ON orders (received_at)",
    "CREATE INDEX ix_orders_cancelled_at ON orders (cancelled_at) WHERE cancelled_at IS NOT NULL",
)
FLOOR_SQL = "SELECT count(*), sum(waiting_qty) FROM order_lines"
FIGURES = ("wall_s", "maxrss_mib", "hwm_mib")
PO_STATUSES = {"proposed": 60, "held": 20, "approved": 20, "sent": 120, "received": 60}


def seed(path: str, lines: int) -> dict[str, Any]:
    """A migrated SQLite file: suppliers, products, a year of orders and lines, 280 POs."""
    database, rng, started = connect(f"sqlite:///{path}"), random.Random(42), time.perf_counter()
    upgrade(database)
    counts = {"orders": 0, "lines": 0, "waiting": 0, "cancelled": 0}
    with database.engine.begin() as conn:
        conn.execute(insert(SupplierRow), list(_suppliers()))
        conn.execute(insert(ProductRow), list(_products(rng)))
    batch: tuple[list[Any], list[Any]] = ([], [])
    for order, its_lines in _history(lines, rng):
        batch[0].append(order)
        batch[1].extend(its_lines)
        counts["cancelled"] += order["cancelled_at"] is not None
        counts["waiting"] += sum(line["waiting_qty"] > 0 for line in its_lines)
        if len(batch[1]) >= BATCH or counts["lines"] + len(batch[1]) == lines:
            with database.engine.begin() as conn:  # Core executemany, one transaction a batch
                conn.execute(insert(OrderRow), batch[0])
                conn.execute(insert(OrderLineRow), batch[1])
            counts["orders"] += len(batch[0])
            counts["lines"] += len(batch[1])
            batch = ([], [])
    counts["purchase_orders"] = _seed_pos(database, rng)
    database.dispose()
    return counts | {"seconds": time.perf_counter() - started}


def _row(model: type, *values: Any) -> dict[str, Any]:
    """`values` in the table's column order (an id of None: SQLite numbers the row)."""
    return dict(zip(_columns(model), values, strict=True))


@cache
def _columns(model: type) -> tuple[str, ...]:
    return tuple(column.name for column in inspect(model).columns)


def _suppliers() -> Iterator[dict[str, Any]]:
    for i in range(1, SUPPLIERS + 1):
        email = f"orders@supplier{i}.example" if i % 4 else None
        yield _row(SupplierRow, i, f"Supplier {i:04d}", email, 7 + i % 21, 0)


def _products(rng: random.Random) -> Iterator[dict[str, Any]]:
    """Product i belongs to supplier 1 + i % SUPPLIERS; costs have 4 decimal places."""
    for i in range(1, PRODUCTS + 1):
        cost = Decimal(rng.randrange(50, 500_000)) / 10_000
        values = (f"SKU-{i:05d}", f"Product {i} 700x25c", 1 + i % SUPPLIERS, 0, (1, 6)[i % 2])
        yield _row(ProductRow, i, *values, cost)


def _history(lines: int, rng: random.Random) -> Iterator[tuple[dict[str, Any], list[Any]]]:
    """Orders oldest first, 1-5 lines each, 2% cancelled; lines of the last 90 days may wait."""
    made, order_id, step = 0, 0, DAYS * 86_400 / (lines / 3)  # seconds between orders
    while made < lines:
        order_id += 1
        placed = NOW - timedelta(days=DAYS) + timedelta(seconds=order_id * step)
        received = placed + timedelta(seconds=rng.uniform(1, 600))
        cancelled = placed + timedelta(hours=rng.uniform(1, 120)) if rng.random() < 0.02 else None
        cancelled = cancelled if cancelled and cancelled < NOW else None
        who = (f"x{order_id}", str(100_000 + order_id), f"c{order_id % 50_000}@shop.example")
        order = _row(OrderRow, order_id, "orders", *who, placed, placed, received, cancelled)
        count = min(rng.randint(1, 5), lines - made)
        recent = (NOW - placed).days < 90 and cancelled is None
        yield order, [_line(order_id, ref, placed, recent, rng) for ref in range(1, count + 1)]
        made += count


def _line(order_id: int, ref: int, placed: datetime, recent: bool, rng: random.Random) -> Any:
    """Filled (10% of them after waiting) or, for recent orders, 40% still waiting."""
    product = 1 + int(PRODUCTS * rng.random() ** 2) % PRODUCTS  # a few SKUs sell most
    quantity = rng.randint(1, 4)
    waiting = rng.randint(1, quantity) if recent and rng.random() < 0.4 else 0
    backordered = waiting or (quantity if rng.random() < 0.1 else 0)
    values = (f"SKU-{product:05d}", product, f"Product {product} 700x25c", quantity)
    parts = (quantity - waiting, waiting, backordered, None, placed)
    return _row(OrderLineRow, None, order_id, str(ref), *values, *parts)


def _seed_pos(database: Database, rng: random.Random) -> int:
    """One PO per supplier for the first 280 (so at most one open proposal each), 1-8 lines."""
    statuses = [status for status, n in PO_STATUSES.items() for _ in range(n)]
    pos, po_lines = [], []
    for po_id, status in enumerate(statuses, 1):
        proposed = NOW - timedelta(days=rng.uniform(1, 70))
        approved = proposed + timedelta(hours=1) if status not in ("proposed", "held") else None
        sent = proposed + timedelta(hours=2) if status in ("sent", "received") else None
        expected = sent + timedelta(days=14) if sent else None  # so some are late
        number = f"PO-{po_id:05d}" if approved else None
        values = (po_id, po_id, status, 1, number, "deadline", None, proposed, approved)
        by = "U1" if approved else None
        pos.append(_row(PurchaseOrderRow, *values, by, sent, expected, None, None))
        for k in rng.sample(range(PRODUCTS // SUPPLIERS), rng.randint(1, 8)):
            product = po_id - 1 + k * SUPPLIERS or PRODUCTS  # one of supplier po_id's products
            line = (po_id, product, f"SKU-{product:05d}", "x", 5, 6, 1, Decimal("2.5"), False)
            po_lines.append(_row(PoLineRow, None, *line))
    with database.engine.begin() as conn:
        conn.execute(insert(PurchaseOrderRow), pos)
        conn.execute(insert(PoLineRow), po_lines)
    return len(pos)


def child(step: str, path: str) -> dict[str, Any]:
    """One step in this fresh process: its wall time, then the process's peak memory."""
    database, extra = connect(f"sqlite:///{path}"), {}
    queries = _query_timer(database) if step == "build" else None
    started = time.perf_counter()
    if step == "floor":
        with database.reader.connect() as conn:
            extra["rows"] = list(conn.exec_driver_sql(FLOOR_SQL).one())
    elif step != "imports":
        with SqlUnitOfWork(database, read_only=True) as uow:
            digest = SqlDigest(uow.tx).build(WEEK_START, WEEK_END, NOW)
            if step != "build":
                started = time.perf_counter()  # the digest is their input, not their work
            if step == "message":
                extra["blocks"] = len(digest_message(digest, NOW, ZONE).blocks)
            if step == "workbook":
                book = digest_workbook(digest, uow.queries.open_lines(), NOW, ZONE)
                extra |= {"bytes": len(book), "open_lines": digest.open_lines}
            if step == "xlsx_floor":
                extra["bytes"] = len(_plain_workbook(uow.queries.open_lines()))
    wall = time.perf_counter() - started
    return {"step": step, "wall_s": wall, **_peaks(), **extra, "queries": queries}


def _plain_workbook(lines: Iterable[OpenLine]) -> bytes:
    """openpyxl write-only, the same open lines as plain values: no styles, no other sheets."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Open lines")
    for line in lines:
        who = (line.order_number, line.placed_at.replace(tzinfo=None), line.customer, line.sku)
        what = (line.name, line.supplier, line.quantity, line.allocated, line.waiting)
        sheet.append([*who, *what, (NOW - line.placed_at).days])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _peaks() -> dict[str, float]:
    """ru_maxrss, and VmHWM: the high-water mark of this process image alone (Linux)."""
    peaks = {"maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    status = Path("/proc/self/status")
    for line in status.read_text().splitlines() if status.exists() else []:
        if line.startswith("VmHWM:"):
            peaks["hwm_mib"] = int(line.split()[1]) / 1024
    return peaks


def _query_timer(database: Database) -> list[dict[str, Any]]:
    """Each statement's time and start, as the build runs them."""
    found: list[dict[str, Any]] = []

    @event.listens_for(database.engine, "before_cursor_execute")
    def _before(conn: Any, *_: Any) -> None:
        conn.info["started"] = time.perf_counter()

    @event.listens_for(database.engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, sql: str, *_: Any) -> None:
        seconds = time.perf_counter() - conn.info.pop("started")
        found.append({"s": round(seconds, 4), "sql": " ".join(sql.split())[:100]})

    return found


def run_child(*args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.digest", "--child", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    if done.returncode:
        raise RuntimeError(f"{args[0]} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(path: Path, runs: int, steps: tuple[str, ...] = STEPS) -> dict[str, Any]:
    """Every step `runs` times, interleaved; the median of each figure."""
    found: dict[str, list[dict[str, Any]]] = {step: [] for step in steps}
    for _ in range(runs):
        for step in steps:
            found[step].append(run_child(step, "--database", str(path)))
    summary: dict[str, Any] = {}
    for step, results in found.items():
        medians = {k: statistics.median(r[k] for r in results) for k in FIGURES if k in results[0]}
        summary[step] = medians | {"runs": results}
    summary["build_over_floor"] = summary["build"]["wall_s"] / summary["floor"]["wall_s"]
    return summary


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| database | step | median s | / floor | ru_maxrss MiB | VmHWM MiB |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for variant, summary in results["variants"].items():
        floor = summary["floor"]["wall_s"]
        for step in [step for step in STEPS if step in summary]:
            row = summary[step]
            ratio = "" if step == "imports" else f"{row['wall_s'] / floor:.1f}"
            lines.append(
                f"| {variant} | {step} | {row['wall_s']:.3f} | {ratio} "
                f"| {row['maxrss_mib']:.0f} | {row.get('hwm_mib', 0):.0f} |"
            )
    s = results["seeded"]
    lines.append(
        f"\nMedian of {results['runs']} runs, each step a fresh process. {s['lines']:,} lines on "
        f"{s['orders']:,} orders ({s['waiting']:,} lines waiting, {s['cancelled']:,} orders "
        f"cancelled), {s['purchase_orders']} POs; seeded in {s['seconds']:.0f} s, "
        f"{results['file_mib']:.0f} MiB file. SQLite {sqlite3.sqlite_version}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs."
    )
    return "\n".join(lines)


def verdict(results: dict[str, Any]) -> str:
    build = results["variants"]["as migrated"]["build"]
    peak = build["maxrss_mib"]
    met = build["wall_s"] < GOAL_S and peak < GOAL_MIB
    steps = results["variants"]["as migrated"]
    book = steps["workbook"]["wall_s"] / steps["xlsx_floor"]["wall_s"]
    return (
        f"SqlDigest.build as migrated: {build['wall_s']:.3f} s, {peak:.0f} MiB peak: "
        f"{'meets' if met else 'misses'} the goal (< {GOAL_S} s, < {GOAL_MIB} MiB). "
        f"The workbook takes {book:.2f}x plain openpyxl writing the same open lines."
    )


def run(lines: int, runs: int, tmp: Path) -> dict[str, Any]:
    """Seed (in a child: see README on ru_maxrss), measure, add the candidate indexes, again."""
    path = tmp / "digest.db"
    seeded = run_child("seed", "--database", str(path), "--lines", str(lines))
    print(f"seeded {seeded['lines']:,} lines in {seeded['seconds']:.1f} s", file=sys.stderr)
    results: dict[str, Any] = {"runs": runs, "seeded": seeded}
    results["file_mib"] = path.stat().st_size / 2**20
    results["variants"] = {"as migrated": measure(path, runs)}
    with sqlite3.connect(path) as conn:
        for statement in CANDIDATE_INDEXES:
            conn.execute(statement)
    results["candidate_indexes"] = list(CANDIDATE_INDEXES)
    results["variants"]["+ candidate indexes"] = measure(path, runs, INDEX_STEPS)
    return results


def bounded(limit: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to `limit`."""

    def parse(text: str) -> int:
        if not 0 < int(text) <= limit:
            raise argparse.ArgumentTypeError(f"from 1 to {limit:,}")
        return int(text)

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.digest", description=__doc__)
    parser.add_argument("--lines", type=bounded(MAX_LINES), default=1_000_000)
    parser.add_argument("--runs", type=bounded(MAX_RUNS), default=3)
    parser.add_argument("--output", type=Path, default=RESULTS / "digest.json")
    parser.add_argument("--child", choices=("seed", *STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        done = seed(args.database, args.lines) if args.child == "seed" else None
        print(json.dumps(done or child(args.child, args.database)))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-digest-") as tmp:
        results = run(args.lines, args.runs, Path(tmp))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(markdown(results))
    print()
    print(verdict(results))
    print(f"\nRaw numbers: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
