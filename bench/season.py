"""A season in two minutes: 90 virtual days of a shop through the real bot (its services, the
scheduler's jobs at the times they fire, its outbox), under three buying policies on the same
customers, measured by what the shop buys the bot for.

Run from the repo root: `.venv/bin/python -m bench.season [--quick] [--seed N]`.
See bench/README.md ("bench.season") for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import servers
from bench.common import bounded, machine, machine_line
from bench.season_metrics import broken_invariants, forgotten_units, season_outcome
from bench.season_policies import POLICIES
from bench.season_report import GOAL_S, chart, goals, markdown
from bench.season_run import Season
from bench.season_shop import build_shop
from bench.season_world import Loopback, VirtualClock, shop_config, start_bot
from bot.scheduling.calendar import deadline_calendar

RESULTS = servers.ROOT / "bench" / "results"
CHART = servers.ROOT / "docs" / "images" / "season.png"
START = datetime(2026, 9, 7, 0, 0, tzinfo=UTC)  # a Monday; the season ends in early December
TIMEZONE = "Europe/London"
PROMISE_DAYS = 21
DEFAULT_SEED = 15


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.season", description=__doc__)
    parser.add_argument("--seed", type=bounded(0, 2**31), default=DEFAULT_SEED)
    parser.add_argument("--days", type=bounded(7, 365), default=90)
    parser.add_argument("--suppliers", type=bounded(1, 200), default=20)
    parser.add_argument("--skus", type=bounded(1, 5_000), default=300)
    parser.add_argument("--orders-per-day", type=bounded(1, 2_000), default=8)
    parser.add_argument("--policies", default=",".join(POLICIES), help="comma-separated")
    parser.add_argument("--jobs", type=bounded(1, 8), default=3, help="policies run at once")
    parser.add_argument("--quick", action="store_true", help="smoke run: 21 days, 6 suppliers")
    parser.add_argument("--output", type=Path, default=RESULTS / "season.json")
    parser.add_argument("--chart", type=Path, default=CHART)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)  # machine(): SQLite only
    args = parser.parse_args(argv)
    if args.quick:
        args.days, args.suppliers, args.skus, args.orders_per_day = 21, 6, 60, 8
        args.chart = RESULTS / "season-quick.png"
        args.output = RESULTS / "season-quick.json"
    unknown = set(args.policies.split(",")) - set(POLICIES)
    if unknown:
        parser.error(f"unknown policies: {', '.join(sorted(unknown))}")
    return args


def settings(args: argparse.Namespace) -> dict[str, Any]:
    keys = ("seed", "days", "suppliers", "skus", "orders_per_day")
    return {k: getattr(args, k) for k in keys}


def run_policy(name: str, given: dict[str, Any]) -> dict[str, Any]:
    """One policy's whole season on its own fresh database; its figures and broken invariants."""
    policy = POLICIES[name]
    days = given["days"]
    shop = build_shop(
        given["seed"],
        given["suppliers"],
        given["skus"],
        START,
        days,
        given["orders_per_day"],
        flash_day=days // 2,
        minimums=policy.minimums,
    )
    started = time.perf_counter()
    with Loopback() as loopback, tempfile.TemporaryDirectory(prefix="bench-season-") as tmp:
        clock = VirtualClock(START)
        world = start_bot(Path(tmp), loopback, shop_config(TIMEZONE, PROMISE_DAYS), clock)
        try:
            season = Season(shop, policy, world, given["seed"], START, days)
            record = season.run()
            end = START + timedelta(days=days)
            first_deadline = deadline_calendar(world.desk.config).next_after(START)
            outcome = season_outcome(world.database, record, START, end, first_deadline)
            season.close()
            forgotten = forgotten_units(world.database)
            initial = sum(p.on_hand for p in shop.catalog.products)
            broken = broken_invariants(
                world.database, record, initial, policy_forgets=policy.name != "bot"
            )
        finally:
            world.close()
        emails = loopback.inbox.count
        slack_calls = len(loopback.slack.calls())
    return {
        "policy": name,
        "label": policy.label,
        "orders": len(shop.orders),
        "flash_orders": sum(o.flash for o in shop.orders),
        "wall_s": time.perf_counter() - started,
        "forgotten": forgotten,
        "broken": broken,
        "decisions": record.decisions,
        "refused": record.refused[:20],
        "mind_changes": record.mind_changes,
        "messages_delivered": record.messages_delivered,
        "emails_received": emails,
        "slack_calls": slack_calls,
        **outcome,
    }


def run_all(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every policy, `--jobs` at a time, each in its own process (no GIL shared)."""
    names, given = args.policies.split(","), settings(args)
    if args.jobs == 1:
        return [run_policy(name, given) for name in names]
    with ProcessPoolExecutor(max_workers=min(args.jobs, len(names))) as pool:
        return list(pool.map(run_policy, names, [given] * len(names)))


def main(argv: list[str] | None = None) -> int:
    """Run the season, print the table and the goals, write the JSON and the chart; exit 1
    when any invariant is broken."""
    args = parse_args(argv)
    host = machine(args)
    started = time.perf_counter()
    runs = run_all(args)
    wall = time.perf_counter() - started
    results = {"machine": host, "settings": settings(args), "wall_s": wall, "runs": runs}
    results["goals"] = goals(runs)
    chart(runs, args.seed, args.chart)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(markdown(results))
    print(f"\n{machine_line(host)}")
    print(f"Season run: {wall:.1f} s wall for {len(runs)} policies (goal {GOAL_S:g} s).")
    print(f"Chart: {args.chart}\nRaw numbers: {args.output}")
    broken = [(run["policy"], b) for run in runs for b in run["broken"]]
    for policy, sentence in broken:
        print(f"INVARIANT BROKEN ({policy}): {sentence}")
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
