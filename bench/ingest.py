"""Order ingestion (the flash-sale hot path) against a floor measured in the same run.

Run from the repo root: `.venv/bin/python -m bench.ingest [--quick] [--levels 1,4,16,32,64]
[--batch-every 0]`.
See bench/README.md for what is measured and how to read the ratios.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import re
import sqlite3
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bench import common, cpu_split, servers
from bench.loadgen import HOST, Level, measure
from bench.report import markdown, top_functions, verdict
from bench.workload import Catalog, make_orders, units, write_catalog
from bot.console.local_slack import LocalSlack

PATH = "/webhooks/orders"
RESULTS = servers.ROOT / "bench" / "results"
MAX_LEVELS, MAX_CLIENTS, MAX_SECONDS = 10, 256, 120.0
PG_SCHEMA = "bench"
LOCAL_DB_HOSTS = ("", "127.0.0.1", "localhost", "::1")
MAX_LOG_LINES = 50


def positive_levels(text: str) -> list[int]:
    """`1,4,16` as a list of client counts, within the bench's bounds."""
    levels = [int(part) for part in text.split(",") if part.strip()]
    if not levels or len(levels) > MAX_LEVELS or not all(0 < n <= MAX_CLIENTS for n in levels):
        raise argparse.ArgumentTypeError(f"1 to {MAX_LEVELS} levels of 1..{MAX_CLIENTS} clients")
    return levels


def bounded_seconds(text: str) -> float:
    value = float(text)
    if not 0 < value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"between 0 and {MAX_SECONDS}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--levels", type=positive_levels, default=[1, 4, 16, 32, 64])
    parser.add_argument("--seconds", type=bounded_seconds, default=5.0, help="measured, per level")
    parser.add_argument("--warmup", type=bounded_seconds, default=1.0, help="unmeasured, per level")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in a tmpdir)")
    parser.add_argument("--quick", action="store_true", help="smoke run: levels 1,8 for 2 s")
    parser.add_argument("--max-rate", type=int, default=10_000, help="orders prepared per second")
    parser.add_argument("--profile", action="store_true", help="cProfile the bot's worker threads")
    parser.add_argument("--output", type=Path, default=RESULTS / "ingest.json")
    parser.add_argument(
        "--batch-every",
        help='the bot\'s summaries.batch_every ("0": a summary as soon as it can go; default: '
        "app.yaml's)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.levels, args.seconds = [1, 8], 2.0
    if not 0 < args.max_rate <= 50_000:
        parser.error("--max-rate must be 1..50000")
    if args.database_url and urlsplit(args.database_url).hostname not in (None, *LOCAL_DB_HOSTS):
        parser.error("--database-url must point at this machine")
    return args


def prepare_database(args: argparse.Namespace, tmp: Path) -> tuple[str, Catalog]:
    """A fresh database with the bench catalog imported; returns its URL and the catalog."""
    if args.database_url:
        servers.fresh_schema(args.database_url, PG_SCHEMA)
        url = servers.with_schema(args.database_url, PG_SCHEMA)
        servers.run_bot_command(["db", "upgrade"], servers.bot_env(url))
    else:
        url = f"sqlite:///{tmp / 'bench.db'}"
    catalog = write_catalog(tmp / "catalog.xlsx")
    print(servers.run_bot_command(["import", str(tmp / "catalog.xlsx")], servers.bot_env(url)))
    return url, catalog


def bot_config(args: argparse.Namespace, tmp: Path) -> dict[str, str]:
    """The environment naming the bot's app.yaml: the project's, or a copy of it with
    `summaries.batch_every` as asked."""
    if args.batch_every is None:
        return {}
    config = yaml.safe_load((servers.ROOT / "app.yaml").read_text(encoding="utf-8"))
    config.setdefault("summaries", {})["batch_every"] = args.batch_every
    path = tmp / "app.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return {"BOT_CONFIG": str(path)}


def bot_metrics(port: int) -> dict[str, float]:
    """The bot's own counters and gauges (`backorder_*` samples) from GET /metrics."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    samples = {}
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if line.startswith("backorder_") and "_bucket" not in name and "_created" not in name:
            samples[name] = float(value)
    return samples


def run_levels(
    args: argparse.Namespace, catalog: Catalog, ports: dict[str, int], bot_pid: int
) -> list[dict]:
    """Each level: prepare and sign fresh orders, then measure the floor, then the bot (and
    where the CPU went while the bot's level ran)."""
    rows = []
    count = math.ceil(args.max_rate * (args.warmup + args.seconds))
    for index, clients in enumerate(args.levels):
        orders = make_orders(catalog, f"bench-{int(time.time())}-{index}", count, seed=index)
        row: dict[str, Any] = {"clients": clients, "prepared_orders": count}
        for name, port in ports.items():
            level = Level(port, PATH, clients, args.warmup, args.seconds)
            before = cpu_split.read(bot_pid) if name == "bot" else None
            row[name] = measure(level, orders)
            if before is not None:
                after = cpu_split.read(bot_pid)
                row["bot_cpu_ms"] = cpu_split.per_order(before, after, row[name]["sent"])
            print(f"  {clients:>3} clients  {name:<5} {row[name]['rps']:8.1f} req/s", flush=True)
        row["bot_units_sent"] = units(orders[: row["bot"]["sent"]])
        rows.append(row)
    return rows


def machine(database_url: str) -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "loadavg_after": os.getloadavg(),
        "database": "postgresql" if database_url.startswith("postgres") else "sqlite",
    }


def measure_all(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Prepare, start both servers, run every level, and collect everything worth keeping."""
    url, catalog = prepare_database(args, tmp)
    floor_port, bot_port = servers.free_port(), servers.free_port()
    profile = RESULTS / "bot.prof" if args.profile else None
    floor_cmd, bot_cmd = servers.floor_command(floor_port), servers.bot_command(profile)
    # Slack mode over HTTP (without a bot token `python -m bot run` is the console), so a
    # local Slack Web API answers whatever the bot calls (auth.test, the outbox) all along.
    with LocalSlack() as slack:
        env = servers.bot_env(url, bot_port) | servers.slack_env(slack.api_url)
        env |= bot_config(args, tmp)
        with (
            servers.serving("floor", floor_cmd, env, floor_port, tmp / "floor.log", "/"),
            servers.serving("bot", bot_cmd, env, bot_port, tmp / "bot.log", "/healthz") as bot,
        ):
            ticks = common.cpu_ticks()
            ports = {"floor": floor_port, "bot": bot_port}
            rows = run_levels(args, catalog, ports, bot.process.pid)
            steal = common.steal_share(ticks, common.cpu_ticks())
            metrics = bot_metrics(bot_port)
        slack_calls = Counter(call.method for call in slack.calls())
    log_lines = (tmp / "bot.log").read_text(errors="replace").splitlines()
    warnings = Counter(
        re.sub(r"\d+", "N", line.split(" ", 2)[-1])
        for line in log_lines
        if " WARNING " in line or " ERROR " in line
    )
    return {
        "machine": machine(url) | {"cpu_steal_share": steal},
        "settings": {k: v for k, v in vars(args).items() if k not in ("output", "database_url")},
        "levels": rows,
        "bot_metrics": metrics,
        "slack_calls": dict(slack_calls),
        "bot_log_warnings": dict(warnings.most_common(MAX_LOG_LINES)),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
            results = measure_all(args, Path(tmp))
    finally:
        if args.database_url:
            servers.fresh_schema(args.database_url, PG_SCHEMA, create=False)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(markdown(results))
    print()
    print(verdict(results))
    if args.profile:
        print()
        print(top_functions(RESULTS / "bot.prof", servers.ROOT))
    print(f"\nRaw numbers: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
