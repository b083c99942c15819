"""The Slack front door: how fast `/backorders` is acknowledged, against a bare Bolt floor.

Run from the repo root: `.venv/bin/python -m bench.slack_ack [--quick] [--levels 1,20]`.
See bench/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import servers, slack_load, slack_probe, slack_report
from bench.ingest import bounded_seconds, positive_levels
from bench.slack_seed import ORDERS, Seeded, seed_cached
from bot.console.local_slack import RESPONSE_URL, LocalSlack

RESULTS = servers.ROOT / "bench" / "results"
MAX_ORDERS = 100_000
MAX_DRAIN_S = 600.0
POLL_S = 0.2
MAX_THINK_MS = 10_000


def verb_list(text: str) -> tuple[str, ...]:
    """`status,help` as verbs the load cycles through (a subset of the default five)."""
    verbs = tuple(v.strip() for v in text.split(",") if v.strip())
    if not verbs or not set(verbs) <= set(slack_load.VERBS):
        raise argparse.ArgumentTypeError(f"a comma-separated subset of {slack_load.VERBS}")
    return verbs


def drain_seconds(text: str) -> float:
    """Seconds to wait for the answers after a level, within the bench's bound."""
    value = float(text)
    if not 0 <= value <= MAX_DRAIN_S:
        raise argparse.ArgumentTypeError(f"between 0 and {MAX_DRAIN_S:g}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line, with `--quick` applied and every count and time bounded."""
    parser = argparse.ArgumentParser(prog="python -m bench.slack_ack", description=__doc__)
    parser.add_argument("--levels", type=positive_levels, default=[1, 20], help="users at once")
    parser.add_argument("--seconds", type=bounded_seconds, default=10.0, help="measured, per level")
    parser.add_argument("--warmup", type=bounded_seconds, default=2.0, help="unmeasured, per level")
    parser.add_argument("--orders", type=int, default=ORDERS, help="seeded, 3 lines each")
    parser.add_argument("--drain", type=drain_seconds, default=120.0, help="max wait for answers")
    parser.add_argument("--verbs", type=verb_list, default=slack_load.VERBS, help="under load")
    parser.add_argument("--think-ms", type=int, default=0, help="each user's pause after an ack")
    paced = "then this many users at a human pace (0: none)"
    parser.add_argument("--paced", type=int, default=20, metavar="USERS", help=paced)
    parser.add_argument("--paced-think-ms", type=int, default=1000, help="their pause per ack")
    parser.add_argument("--probe", type=int, default=10, help="idle answers timed, per verb")
    quick = "smoke run: 3,400 orders, 2 s levels, 3 probes a verb"
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--profile", action="store_true", help="cProfile the bot's request threads")
    parser.add_argument("--output", type=Path, default=RESULTS / "slack_ack.json")
    keep = "seed once into DIR and copy it on later runs with as many --orders"
    parser.add_argument("--seed-cache", type=Path, default=None, metavar="DIR", help=keep)
    args = parser.parse_args(argv)
    if args.quick:
        args.orders, args.seconds, args.warmup, args.probe = 3_400, 2.0, 1.0, 3
    if not 0 < args.orders <= MAX_ORDERS:
        parser.error(f"--orders must be 1..{MAX_ORDERS}")
    for think in (args.think_ms, args.paced_think_ms):
        if not 0 <= think <= MAX_THINK_MS:
            parser.error(f"--think-ms and --paced-think-ms must be 0..{MAX_THINK_MS}")
    if args.paced:
        positive_levels(str(args.paced))
    if not 0 <= args.probe <= slack_probe.MAX_PER_VERB:
        parser.error(f"--probe must be 0..{slack_probe.MAX_PER_VERB}")
    return args


def floor_command(port: int, api_url: str) -> list[str]:
    """`python -m bench.bolt_floor`, with the bot's signing secret."""
    secret = servers.SLACK_SIGNING_SECRET
    args = ["--port", str(port), "--secret", secret, "--api-url", api_url]
    return [sys.executable, "-m", "bench.bolt_floor", *args]


def level_for(
    args: argparse.Namespace,
    seeded: Seeded,
    slack: LocalSlack,
    port: int,
    users: int,
    tag: str,
    think_ms: int | None = None,
) -> slack_load.SlashLevel:
    """What the load generator needs for one level against one server."""
    return slack_load.SlashLevel(
        port=port,
        users=users,
        warmup=args.warmup,
        seconds=args.seconds,
        secret=servers.SLACK_SIGNING_SECRET,
        response_prefix=slack.response_url(""),
        tag=tag,
        skus=seeded.skus,
        suppliers=seeded.suppliers,
        order_numbers=seeded.order_numbers,
        verbs=args.verbs,
        think_s=(args.think_ms if think_ms is None else think_ms) / 1000,
    )


def drain_answers(
    slack: LocalSlack, sent: list[list[Any]], limit_s: float
) -> tuple[dict[str, float], float]:
    """Wait (at most `limit_s`) until every command sent has its answer; name -> arrival time.
    `sent` leaves out the commands whose ack said the bot was busy: no answer follows those."""
    wanted = {item[0] for item in sent}
    started = time.monotonic()
    while True:
        arrived = {c.name: c.at for c in slack.calls(RESPONSE_URL) if c.name in wanted}
        waited = time.monotonic() - started
        if len(arrived) == len(wanted) or waited >= limit_s:
            return arrived, waited
        time.sleep(POLL_S)


def answer_examples(slack: LocalSlack, sent: list[list[Any]]) -> dict[str, str]:
    """The start of one answer per verb, to see the bot answered what was asked."""
    verbs = {name: verb for name, _at, verb in sent}
    examples: dict[str, str] = {}
    for call in slack.calls(RESPONSE_URL):
        verb = verbs.get(call.name or "")
        if verb and verb not in examples:
            examples[verb] = str(call.params.get("text", ""))[:160]
    return examples


def planned_levels(args: argparse.Namespace) -> list[tuple[int, int]]:
    """(users, pause per ack in ms): the `--levels` with `--think-ms`, then the paced level."""
    levels = [(users, args.think_ms) for users in args.levels]
    return levels + ([(args.paced, args.paced_think_ms)] if args.paced else [])


def run_levels(
    args: argparse.Namespace, seeded: Seeded, slack: LocalSlack, ports: dict[str, int]
) -> list[dict]:
    """Each level: the floor, then the bot, then wait for the bot's lazy answers."""
    rows = []
    for index, (users, think_ms) in enumerate(planned_levels(args)):
        row: dict[str, Any] = {"users": users, "think_ms": think_ms}
        sent: dict[str, list[list[Any]]] = {}
        for name, port in ports.items():
            level = level_for(args, seeded, slack, port, users, f"L{index}{name}", think_ms)
            result = slack_load.measure(level)
            row[name], sent[name] = result["summary"], result["sent"]
            row[name]["busy"] = len(result["busy"])
            busy = set(result["busy"])
            sent[name] = [item for item in result["sent"] if item[0] not in busy]
            pace = f"{think_ms} ms pause" if think_ms else "back to back"
            acks = f"{row[name]['rps']:8.1f} acks/s ({len(busy)} busy)"
            print(f"  {users:>3} users {pace:<14} {name:<5} {acks}", flush=True)
        arrived, waited = drain_answers(slack, sent["bot"], args.drain)
        row["answers"] = slack_report.answer_latency(sent["bot"], arrived) | {"drain_s": waited}
        row["answer_examples"] = answer_examples(slack, sent["bot"])
        row["slack_calls"] = dict(Counter(call.method for call in slack.calls()))
        print(f"  {len(arrived)}/{len(sent['bot'])} answers after {waited:.1f} s", flush=True)
        slack.clear()  # the answers' blocks add up; keep only what the next level posts
        rows.append(row)
    return rows


def machine() -> dict[str, Any]:
    """Where the numbers come from."""
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "slack_bolt": version("slack_bolt"),
        "platform": platform.platform(),
        "loadavg_after": os.getloadavg(),
    }


def measure_all(args: argparse.Namespace, slack: LocalSlack, tmp: Path) -> dict[str, Any]:
    """Seed, start the floor and the bot, run every level, collect the results."""
    url, seeded = seed_cached(tmp, args.orders, args.seed_cache)
    print(f"Seeded {seeded.waiting_lines} waiting lines in {seeded.ingest_s:.1f} s", flush=True)
    floor_port, bot_port = servers.free_port(), servers.free_port()
    profile = RESULTS / "slack_bot.prof" if args.profile else None
    floor_cmd = floor_command(floor_port, slack.api_url)
    bot_cmd = servers.bot_command(profile)
    bot_env = servers.bot_env(url, bot_port) | servers.slack_env(slack.api_url)
    floor_env = servers.bot_env(url, floor_port)
    with (
        servers.serving("floor", floor_cmd, floor_env, floor_port, tmp / "floor.log", "/healthz"),
        servers.serving("bot", bot_cmd, bot_env, bot_port, tmp / "bot.log", "/healthz"),
    ):
        startup = Counter(call.method for call in slack.calls())
        idle_level = level_for(args, seeded, slack, bot_port, 1, "idle")
        idle = slack_probe.probe(idle_level, slack, args.probe)
        print(f"  idle bot: answer p50 {idle['p50_ms']:.1f} ms, p99 {idle['p99_ms']:.1f} ms")
        rows = run_levels(args, seeded, slack, {"floor": floor_port, "bot": bot_port})
    seeding = {k: v for k, v in vars(seeded).items() if k not in ("skus", "suppliers")}
    return {
        "machine": machine(),
        "settings": {k: v for k, v in vars(args).items() if k != "output"},
        "seeding": seeding | {"orders": args.orders},
        "idle_answers": idle,
        "levels": rows,
        "slack_calls_at_start": dict(startup),
        "bot_log_warnings": slack_report.log_warnings(tmp / "bot.log"),
        "floor_log_warnings": slack_report.log_warnings(tmp / "floor.log"),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the bench, print the table and the verdict, write the JSON."""
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    # The Slack Web API (auth.test at start) and the response URLs, for the bot's whole life.
    with LocalSlack() as slack, tempfile.TemporaryDirectory(prefix="bench-slack-") as tmp:
        results = measure_all(args, slack, Path(tmp))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print()
    print(slack_report.markdown(results))
    print()
    print(slack_report.verdict(results))
    if args.profile:
        print()
        print(slack_report.top_functions(RESULTS / "slack_bot.prof"))
    print(f"\nRaw numbers: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
