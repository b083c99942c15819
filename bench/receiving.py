"""Receiving one big delivery: 20,000 units of one SKU against 20,000 waiting lines, FIFO.

Run from the repo root: `.venv/bin/python -m bench.receiving [--quick] [--database-url URL]`.
See bench/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import event, text

from bench import servers
from bench.common import bounded, machine, machine_line, peak_rss_mib, profile_table, top_functions
from bot.config import parse_config
from bot.facade import Backorders
from domain.model import (
    Catalog,
    Delivery,
    IncomingLine,
    IncomingOrder,
    OrderSource,
    Product,
    Supplier,
)
from domain.purchase_orders import Actor
from storage.db import Database, connect
from storage.migrate import upgrade

RESULTS = servers.ROOT / "bench" / "results"
GOAL_S = 1.0
CHANNEL = "C0PURCHASE"
SKU, SUPPLIER = "RCV-1", "Receiving Supplier"
PLACED_FROM = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SEEDED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # when orders arrive and the PO is sent
RECEIVED_AT = SEEDED_AT + timedelta(days=5)
APPROVER = Actor("U1", True)
SHUFFLE_WINDOW = 8  # orders arrive a little out of order, so ids are not the FIFO ranking
CHILD_TIMEOUT_S = 600.0
MAX_LINES = 200_000
PG_SCHEMA = "bench_receiving"
LOCAL_DB_HOSTS = ("", "127.0.0.1", "localhost", "::1")
FIFO_SQL = """
SELECT l.id, o.number FROM order_lines l JOIN orders o ON o.id = l.order_id
WHERE l.product_id = (SELECT id FROM products WHERE sku = :sku)
ORDER BY l.placed_at, l.id"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line, within the bench's bounds."""
    parser = argparse.ArgumentParser(prog="python -m bench.receiving", description=__doc__)
    parser.add_argument("--lines", type=bounded(1, MAX_LINES), default=20_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in a tmpdir)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 lines")
    parser.add_argument("--profile", action="store_true", help="profile even if the goal is met")
    parser.add_argument("--output", type=Path, default=RESULTS / "receiving.json")
    parser.add_argument("--child", choices=("run", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--child-url", help=argparse.SUPPRESS)
    parser.add_argument("--child-io", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-profile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.lines = 2_000
    if args.database_url and urlsplit(args.database_url).hostname not in (None, *LOCAL_DB_HOSTS):
        parser.error("--database-url must point at this machine")
    return args


# Seeding through the bot's own use cases: orders by webhook, then raise and approve.


def seeded_clock() -> datetime:
    return SEEDED_AT


def received_clock() -> datetime:
    return RECEIVED_AT


def desk_for(database: Database, clock: Any) -> Backorders:
    return Backorders(database, clock=clock, config=parse_config({"slack": {"channel": CHANNEL}}))


def bench_catalog() -> Catalog:
    """One supplier without email (an approval sends at once), one SKU, case pack 1, no stock."""
    supplier = Supplier(SUPPLIER, None, 5, 0)
    product = Product(SKU, "Receiving bench product", SUPPLIER, 0, 1, Decimal("3.20"))
    return Catalog((supplier,), (product,))


def arrival_order(count: int, rng: random.Random) -> list[int]:
    """Order indexes in the order their webhooks arrive: shuffled within small windows."""
    indexes = list(range(count))
    for start in range(0, count, SHUFFLE_WINDOW):
        window = indexes[start : start + SHUFFLE_WINDOW]
        rng.shuffle(window)
        indexes[start : start + SHUFFLE_WINDOW] = window
    return indexes


def deliveries(count: int, rng: random.Random) -> Iterator[Delivery]:
    """One one-unit order per index; two orders share each placed second (ties go by id)."""
    for index in arrival_order(count, rng):
        placed = PLACED_FROM + timedelta(seconds=index // 2)
        incoming = IncomingOrder(
            source=OrderSource.GENERIC,
            external_id=f"rcv-{index}",
            number=str(500_000 + index),
            placed_at=placed,
            updated_at=placed,
            cancelled=False,
            lines=(IncomingLine("1", SKU, "Receiving bench product", 1),),
        )
        yield Delivery(OrderSource.GENERIC, f"rcv-delivery-{index}", "order", incoming)


def seed(url: str, lines: int) -> dict[str, Any]:
    """Migrate, import, ingest `lines` orders, raise and approve; returns the PO and timings."""
    database = connect(url)
    try:
        start = time.perf_counter()
        upgrade(database)
        desk = desk_for(database, seeded_clock)
        desk.import_catalog(bench_catalog())
        migrated = time.perf_counter()
        for delivery in deliveries(lines, random.Random(20_000)):
            desk.ingest(delivery)
        ingested = time.perf_counter()
        proposal = desk.raise_po(SUPPLIER, APPROVER.user)
        sent = desk.approve_po(proposal.po_id, proposal.version, APPROVER)
        done = time.perf_counter()
        analyze(database)
    finally:
        database.dispose()
    [line] = sent.lines
    return {
        "po_id": sent.po_id,
        "po_line_id": line.line_id,
        "po_status": str(sent.status),
        "po_units": line.quantity,
        "migrate_s": migrated - start,
        "ingest_s": ingested - migrated,
        "po_s": done - ingested,
    }


def analyze(database: Database) -> None:
    """Planner statistics, as a database that has been in use for a while would have them."""
    with database.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so a plain copy of the file is the whole database."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


class Databases:
    """Fresh, identically seeded databases for the run, the floor and the profile."""

    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.server_url: str | None = args.database_url
        self.schemas: list[str] = []
        self.seeding: dict[str, dict[str, Any]] = {}

    def fresh(self, name: str) -> str:
        """The URL of a new database holding the seeded data and nothing else."""
        if self.server_url:
            schema = f"{PG_SCHEMA}_{name}"
            servers.fresh_schema(self.server_url, schema)
            self.schemas.append(schema)
            url = servers.with_schema(self.server_url, schema)
            self.seeding[name] = seed(url, self.args.lines)
            return url
        base = self.tmp / "seeded.db"
        if not base.exists():
            self.seeding["base"] = seed(f"sqlite:///{base}", self.args.lines)
            checkpoint(base)
        copy = self.tmp / f"{name}.db"
        shutil.copyfile(base, copy)
        return f"sqlite:///{copy}"

    def po(self, name: str) -> dict[str, Any]:
        """The seeded PO of database `name` (on SQLite every copy has the same one)."""
        return self.seeding.get(name) or self.seeding["base"]

    def drop(self) -> None:
        """Drop the PostgreSQL schemas made for this run (SQLite files go with the tmpdir)."""
        for schema in self.schemas:
            assert self.server_url is not None
            servers.fresh_schema(self.server_url, schema, create=False)


# The measured children, each in a fresh interpreter.


def count_commits(database: Database) -> dict[str, int]:
    """Transactions begun and committed on the engine from now on."""
    counts = {"begin": 0, "commit": 0}

    def on(kind: str) -> Any:
        def listener(*_args: Any) -> None:
            counts[kind] += 1

        return listener

    event.listen(database.engine, "begin", on("begin"))
    event.listen(database.engine, "commit", on("commit"))
    return counts


def child_run(url: str, io: Path, profile_to: Path | None) -> dict[str, Any]:
    """`Backorders.receive_po` for the whole PO once, timed; then who got the units, in order."""
    given = json.loads(io.read_text())
    database = connect(url)
    desk = desk_for(database, received_clock)
    quantities = {given["po_line_id"]: given["units"]}
    connect_warm(database)
    transactions = count_commits(database)
    rss_before = peak_rss_mib()
    profiler = cProfile.Profile() if profile_to else None
    cpu, start = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    result = desk.receive_po(given["po_id"], quantities, False, APPROVER)
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    if profiler and profile_to:
        profiler.dump_stats(str(profile_to))
    went = result.went_to.get(SKU, [])
    database.dispose()
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_before_mib": rss_before,
        "peak_rss_mib": peak_rss_mib(),
        "transactions": transactions,
        "received": result.received,
        "over": result.over,
        "ready_orders": len(result.ready),
        "went_to_numbers": [number for number, _units in went],
        "went_to_units": sum(units for _number, units in went),
    }


def connect_warm(database: Database) -> None:
    """Open the pooled connection before the clock starts, as a running bot has one open."""
    with database.reader.connect() as conn:
        conn.execute(text("SELECT 1"))


def child_floor(url: str, io: Path) -> dict[str, Any]:
    """The same rows filled bare: one executemany UPDATE of order_lines, one commit."""
    line_ids: list[int] = json.loads(io.read_text())["line_ids"]
    database = connect(url)
    connect_warm(database)
    mark = "?" if database.is_sqlite else "%s"
    sql = f"UPDATE order_lines SET allocated_qty = {mark}, waiting_qty = {mark} WHERE id = {mark}"
    params = [(1, 0, line_id) for line_id in line_ids]
    cpu, start = time.process_time(), time.perf_counter()
    with database.writer_turn(), database.engine.begin() as conn:
        conn.exec_driver_sql(sql, params)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    database.dispose()
    return {"wall_s": wall, "cpu_s": cpu, "rows": len(params), "peak_rss_mib": peak_rss_mib()}


def child_main(args: argparse.Namespace) -> int:
    """In the child: measure, and leave the result as JSON where the parent said."""
    if args.child == "run":
        result = child_run(args.child_url, args.child_io, args.child_profile)
    else:
        result = child_floor(args.child_url, args.child_io)
    args.child_io.with_suffix(".out.json").write_text(json.dumps(result))
    return 0


def in_child(
    kind: str, url: str, io: Path, given: dict[str, Any], profile_to: Path | None = None
) -> dict[str, Any]:
    """Run `--child KIND` in a fresh interpreter (bounded in time) and read its result."""
    io.write_text(json.dumps(given))
    command = [sys.executable, "-m", "bench.receiving", "--child", kind, "--child-url", url]
    command += ["--child-io", str(io)]
    command += ["--child-profile", str(profile_to)] if profile_to else []
    done = subprocess.run(
        command,
        cwd=servers.ROOT,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.receiving --child {kind} failed:\n{done.stdout}{done.stderr}")
    return json.loads(io.with_suffix(".out.json").read_text())


# Checking what the receipt did, with SQL.


def fifo_ranking(url: str) -> list[tuple[int, str]]:
    """(line id, order number) of the SKU's lines, oldest first: (placed_at, id)."""
    database = connect(url)
    try:
        with database.reader.connect() as conn:
            rows = conn.execute(text(FIFO_SQL), {"sku": SKU}).all()
    finally:
        database.dispose()
    return [(int(line_id), str(number)) for line_id, number in rows]


def verify(url: str, run: dict[str, Any], ranking: list[tuple[int, str]]) -> dict[str, Any]:
    """Every line filled, stock back to zero, one receipt, the PO closed, oldest first."""
    database = connect(url)
    checks = {
        "lines": "SELECT COUNT(*) FROM order_lines",
        "lines_not_filled": "SELECT COUNT(*) FROM order_lines "
        "WHERE waiting_qty <> 0 OR allocated_qty <> quantity",
        "on_hand": "SELECT COALESCE(SUM(on_hand), 0) FROM products",
        "receipts": "SELECT COUNT(*) FROM receipts",
        "received_units": "SELECT COALESCE(SUM(quantity), 0) FROM receipt_lines",
        "pos_still_open": "SELECT COUNT(*) FROM purchase_orders WHERE status <> 'received'",
    }
    try:
        with database.reader.connect() as conn:
            found = {
                name: int(conn.execute(text(sql)).scalar_one()) for name, sql in checks.items()
            }
    finally:
        database.dispose()
    oldest_first = [number for _line_id, number in ranking]
    found["filled_oldest_first"] = run["went_to_numbers"] == oldest_first
    found["ids_differ_from_fifo"] = [i for i, _ in ranking] != sorted(i for i, _ in ranking)
    found["ok"] = (
        found["lines_not_filled"] == 0
        and found["on_hand"] == 0
        and found["receipts"] == 1
        and found["pos_still_open"] == 0
        and found["filled_oldest_first"]
        and run["transactions"]["commit"] == 1
    )
    return found


# Reading the results.


def markdown(results: dict[str, Any]) -> str:
    """The table, then the goal, the checks and the machine."""
    run, floor, seeding = results["run"], results["floor"], results["seeding"]
    first = next(iter(seeding.values()))
    lines_n = results["settings"]["lines"]
    seed_s = first["migrate_s"] + first["ingest_s"] + first["po_s"]
    commits = run["transactions"]["commit"]
    rows = [
        "| step | wall s | CPU s | what | peak RSS MiB | wall / floor | CPU / floor |",
        "|---|---:|---:|---|---:|---:|---:|",
        f"| seed: `Backorders.ingest` x{lines_n:,}, raise + approve | {seed_s:.1f} | | "
        f"{lines_n:,} one-unit orders waiting ({first['ingest_s']:.1f} s ingesting), "
        f"PO of {first['po_units']:,} units {first['po_status']} | | | |",
        f"| floor: one executemany UPDATE of the {floor['rows']:,} order_lines + commit | "
        f"{floor['wall_s']:.3f} | {floor['cpu_s']:.3f} | bare DBAPI, same rows and values | "
        f"{floor['peak_rss_mib']:.0f} | 1.00 | 1.00 |",
        f"| `Backorders.receive_po(po, {{line: {lines_n:,}}}, False, approver)` | "
        f"{run['wall_s']:.3f} | {run['cpu_s']:.3f} | {run['went_to_units']:,} units to "
        f"{run['went_to_lines']:,} lines, {run['ready_orders']:,} orders ready, "
        f"{commits} commit | {run['peak_rss_mib']:.0f} ({run['rss_before_mib']:.0f} before) | "
        f"{results['ratio_wall']:.1f} | {results['ratio_cpu']:.1f} |",
        "",
        verdict(results),
        checks_line(results["checks"]),
        machine_line(results["machine"]),
    ]
    return "\n".join(rows)


def verdict(results: dict[str, Any]) -> str:
    """Where the run stands against the goal (reported, never asserted)."""
    run, checks, n = results["run"], results["checks"], results["settings"]["lines"]
    fast = run["wall_s"] < GOAL_S
    state = "met" if fast and checks["ok"] else "NOT met"
    return (
        f"Goal: {n:,} units of one SKU to {n:,} waiting lines, first-in first-out, in under "
        f"{GOAL_S:g} s in one transaction: {state} ({run['wall_s']:.2f} s wall, "
        f"{run['cpu_s']:.2f} s CPU, {run['transactions']['commit']} commit)."
    )


def checks_line(c: dict[str, Any]) -> str:
    """What SQL found afterwards."""
    return (
        f"Checked with SQL: {c['lines']:,} lines, {c['lines_not_filled']} not filled; free stock "
        f"{c['on_hand']}; {c['receipts']} receipt of {c['received_units']:,} units; "
        f"{c['pos_still_open']} PO still open; filled oldest (placed_at, id) first: "
        f"{'yes' if c['filled_oldest_first'] else 'NO'} (line ids alone are not that order: "
        f"{'yes' if c['ids_differ_from_fifo'] else 'no'})."
    )


def receipt(po: dict[str, Any], units: int) -> dict[str, Any]:
    """What the child receives: every unit of the seeded PO's one line."""
    return {"po_id": po["po_id"], "po_line_id": po["po_line_id"], "units": units}


def measure(args: argparse.Namespace, tmp: Path, databases: Databases) -> dict[str, Any]:
    """Seed, receive, fill the same rows bare as the floor, check, and profile if it was slow."""
    host = machine(args)
    run_url = databases.fresh("run")
    po = databases.po("run")
    print(f"seeded: {args.lines:,} waiting lines, PO {po['po_id']} {po['po_status']}", flush=True)
    ranking = fifo_ranking(run_url)
    run = in_child("run", run_url, tmp / "run.json", receipt(po, args.lines))
    print(f"receive_po: {run['wall_s']:.3f} s", flush=True)
    floor_url = databases.fresh("floor")
    floor_ids = [line_id for line_id, _number in fifo_ranking(floor_url)]
    floor = in_child("floor", floor_url, tmp / "floor.json", {"line_ids": floor_ids})
    results: dict[str, Any] = {
        "machine": host,
        "settings": {"lines": args.lines, "goal_s": GOAL_S},
        "seeding": databases.seeding,
        "run": {k: v for k, v in run.items() if k != "went_to_numbers"}
        | {"went_to_lines": len(run["went_to_numbers"])},
        "floor": floor,
        "ratio_wall": run["wall_s"] / floor["wall_s"],
        "ratio_cpu": run["cpu_s"] / floor["cpu_s"] if floor["cpu_s"] else float("nan"),
        "checks": verify(run_url, run, ranking),
    }
    if args.profile or run["wall_s"] >= GOAL_S:
        prof = RESULTS / "receiving.prof"
        profile_url = databases.fresh("profile")
        given = receipt(databases.po("profile"), args.lines)
        profiled = in_child("run", profile_url, tmp / "profile.json", given, prof)
        results["profile"] = {"wall_s": profiled["wall_s"], "top": top_functions(prof, count=12)}
    return results


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table (and the profile), write the JSON."""
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-receiving-") as tmp:
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
            "profiler), project functions by cumulative time (bench/results/receiving.prof):\n"
        )
        print(profile_table(results["profile"]["top"], digits=3))
    print(f"\nRaw numbers: {args.output}")
    return 0 if results["checks"]["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
