"""Webhook latency with and without 1,000 slow clients: the bot against bare-waitress floors.

Run from the repo root: `.venv/bin/python -m bench.slow_clients [--quick]`.
See bench/README.md for what is measured and how to read the ratios.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import resource
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import common, ingest, servers
from bench.loadgen import HOST, percentile
from bench.slowloris import SlowClients
from bench.workload import SECRET, Request, make_orders
from bot.console.local_slack import LocalSlack

PATH = "/webhooks/orders"
RESULTS = servers.ROOT / "bench" / "results"
REQUEST_TIMEOUT = 5.0  # a store gives up long before this; 1 s is the goal
ANSWER_WITHIN_S = 1.0
SENDERS = 64  # enough that a few hung requests do not slow the open-loop schedule
ATTACK_READY_S = 60.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.slow_clients", description=__doc__)
    parser.add_argument("--slow", type=common.bounded(1, 10_000), default=1000, help="connections")
    parser.add_argument("--trickle", type=float, default=5.0, help="s between one socket's bytes")
    parser.add_argument("--sources", default="1,10", help="attacker addresses, per attack")
    parser.add_argument("--rate", type=common.bounded(1, 200), default=20, help="webhooks/s")
    parser.add_argument("--calm", type=ingest.bounded_seconds, default=5.0, help="s, no attack")
    parser.add_argument("--attack", type=ingest.bounded_seconds, default=13.0, help="s, attacked")
    parser.add_argument("--quick", action="store_true", help="10 addresses only, 10 webhooks/s")
    parser.add_argument("--output", type=Path, default=RESULTS / "slow_clients.json")
    args = parser.parse_args(argv)
    args.sources = [int(n) for n in args.sources.split(",")]
    if not all(1 <= n <= 250 for n in args.sources):
        parser.error("--sources: 1..250 addresses each")
    if args.quick:
        args.sources, args.rate, args.calm = [10], 10, 2.0
    return args


def post(port: int, request: Request) -> tuple[int, float]:
    """One delivery on a fresh connection, as stores send them: (status or 0, seconds)."""
    body, headers = request
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    started = time.perf_counter()
    try:
        conn.request("POST", PATH, body, headers)
        response = conn.getresponse()
        response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        status = 0
    finally:
        conn.close()
    return status, time.perf_counter() - started


def deliver(port: int, orders: list[Request], rate: int) -> dict[str, Any]:
    """Send `orders` open-loop at `rate` per second; summarize every attempt."""
    start = time.perf_counter()
    with ThreadPoolExecutor(SENDERS) as pool:
        futures = []
        for index, order in enumerate(orders):
            threading.Event().wait(max(0.0, start + index / rate - time.perf_counter()))
            futures.append(pool.submit(post, port, order))
        results = [future.result() for future in futures]
    seconds = sorted(s for _status, s in results)
    ms = [round(1000 * percentile(seconds, q), 1) for q in (0.5, 0.99, 1.0)]
    return {
        "sent": len(results),
        "ok": sum(status == 200 for status, _s in results),
        "within_1s": sum(status == 200 and s <= ANSWER_WITHIN_S for status, s in results),
        "p50_ms": ms[0],
        "p99_ms": ms[1],
        "max_ms": ms[2],
    }


def _attack(port: int, args: tuple[int, float, int], ready: Any, stop: Any, out: Any) -> None:
    """The attacker's own process: open every connection, say so, trickle until told to stop."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    count, interval, sources = args
    with SlowClients(port, count, interval, sources) as attack:
        deadline = time.monotonic() + ATTACK_READY_S
        while attack.stats.opened < count and time.monotonic() < deadline:
            threading.Event().wait(0.05)
        ready.set()
        stop.wait(timeout=ATTACK_READY_S + ingest.MAX_SECONDS)
    out.put(asdict(attack.stats))


def rss_mib(pid: int) -> float:
    """A process's resident memory now, from /proc (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    return round(int(kib) / 1024, 1)


def attacked(server: servers.Server, orders: list[Request], args: Any, sources: int) -> dict:
    """Deliver `orders` while a SlowClients attack runs in a process of its own."""
    port = server.port
    context = multiprocessing.get_context("spawn")
    ready, stop, out = context.Event(), context.Event(), context.Queue()
    attack = (args.slow, args.trickle, sources)
    process = context.Process(target=_attack, args=(port, attack, ready, stop, out), daemon=True)
    process.start()
    try:
        if not ready.wait(ATTACK_READY_S + 10):
            raise RuntimeError("the attacker did not open its connections in time")
        row = deliver(port, orders, args.rate)
        row["rss_mib_attacked"] = rss_mib(server.process.pid)
        stop.set()
        row["attacker"] = out.get(timeout=60)
    finally:
        stop.set()
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
    return row


def recovery_s(port: int, path: str) -> float | None:
    """Seconds until `path` answers 200 again after an attack (None: not within 60 s)."""
    start = time.monotonic()
    while time.monotonic() - start < 60:
        if servers.ready(port, path):
            return round(time.monotonic() - start, 2)
        threading.Event().wait(0.1)
    return None


def measure_server(server: servers.Server, ready: str, batches: Any, args: Any) -> list[dict]:
    """Calm, then one attack per --sources value, each with fresh orders."""
    name, port = server.name, server.port
    rows = [{"server": name, "phase": "calm"} | deliver(port, next(batches), args.rate)]
    rows[0]["rss_mib_calm"] = rss_mib(server.process.pid)
    for sources in args.sources:
        row = {"server": name, "phase": f"attack from {sources}"}
        row |= attacked(server, next(batches), args, sources)
        row["recovery_s"] = recovery_s(port, ready)
        rows.append(row)
        print(f"  {name:<17} {row['phase']:<15} p99 {row['p99_ms']:8.1f} ms", flush=True)
    return rows


def order_batches(catalog: Any, args: argparse.Namespace) -> Any:
    """Endless fresh, signed orders: `rate * seconds` per phase, never sent twice."""
    index = 0
    while True:
        seconds = args.calm if index % (1 + len(args.sources)) == 0 else args.attack
        yield make_orders(catalog, f"slow-{int(time.time())}-{index}", int(args.rate * seconds), 1)
        index += 1


def measure_all(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Start the undefended floor, the floor and the bot, and measure each in turn."""
    args.database_url = None  # SQLite: the database is not the point here
    url, catalog = ingest.prepare_database(args, tmp)
    floor = [sys.executable, "-m", "bench.floor_server", "--secret", SECRET, "--port"]
    ports = {name: servers.free_port() for name in ("floor, undefended", "floor", "bot")}
    commands = {
        "floor, undefended": [*floor, str(ports["floor, undefended"]), "--undefended"],
        "floor": [*floor, str(ports["floor"])],
        "bot": servers.bot_command(None),
    }
    rows: list[dict] = []
    with LocalSlack() as slack:
        for name, port in ports.items():  # one at a time: the others would share the two cores
            env = servers.bot_env(url, port) | servers.slack_env(slack.api_url)
            ready = "/healthz" if name == "bot" else "/"
            log = tmp / f"{name.replace(', ', '-')}.log"
            with servers.serving(name, commands[name], env, port, log, ready) as server:
                rows += measure_server(server, ready, order_batches(catalog, args), args)
    settings = {k: v for k, v in vars(args).items() if k not in ("output", "database_url")}
    return {"machine": ingest.machine(url), "settings": settings, "rows": rows}


def markdown(results: dict[str, Any]) -> str:
    """One row per server and phase, then the ratios worth quoting."""
    lines = [
        "| server | phase | answered ≤ 1 s | p50 ms | p99 ms | max ms | slow conns cut "
        "(longest lived s) | back after s | RSS MiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["rows"]:
        cut = r.get("attacker", {})
        cut_text = f"{cut['cut']:,} ({cut['longest_cut_s']:.1f})" if cut else ""
        lines.append(
            f"| {r['server']} | {r['phase']} | {r['within_1s']}/{r['sent']} | {r['p50_ms']} | "
            f"{r['p99_ms']} | {r['max_ms']} | {cut_text} | {r.get('recovery_s', '')} | "
            f"{r.get('rss_mib_attacked', r.get('rss_mib_calm'))} |"
        )
    return "\n".join(lines)


def ratios(results: dict[str, Any]) -> str:
    """p99 attacked ÷ calm for each server, and bot ÷ floor in each phase."""
    p99 = {(r["server"], r["phase"]): max(r["p99_ms"], 0.1) for r in results["rows"]}
    phases = dict.fromkeys(phase for _server, phase in p99)
    out = []
    for server in dict.fromkeys(server for server, _phase in p99):
        out += [
            f"- {server}: p99 {phase} ÷ calm = {p99[server, phase] / p99[server, 'calm']:.1f}"
            for phase in phases
            if phase != "calm"
        ]
    out += [
        f"- bot ÷ floor, {phase}: p99 ratio {p99['bot', phase] / p99['floor', phase]:.1f}"
        for phase in phases
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-slow-") as tmp:
        results = measure_all(args, Path(tmp))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n{markdown(results)}\n\n{ratios(results)}\n\nRaw numbers: {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
