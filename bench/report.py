"""Reading the results: the Markdown table, the verdict against the goal, the profile's top."""

from __future__ import annotations

import pstats
from pathlib import Path
from typing import Any

GOAL_RPS = 1000.0
GOAL_P99_MS = 100.0
GOAL_CORES = 2
OWN_CODE = ("bot", "domain", "storage", "handlers")
HEADER = (
    "| clients | floor req/s | floor p50 / p99 / max ms | floor err "
    "| bot req/s | bot p50 / p99 / max ms | bot err | bot/floor req/s | bot/floor p99 |"
)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else "n/a"


def _latency(side: dict[str, Any]) -> str:
    return f"{side['p50_ms']:.1f} / {side['p99_ms']:.1f} / {side['max_ms']:.1f}"


def _errors(side: dict[str, Any]) -> str:
    text = str(side["errors"])
    if side["error_statuses"]:
        text += " (" + ", ".join(f"{k}: {v}" for k, v in side["error_statuses"].items()) + ")"
    return text + (" ⚠ ran out of orders" if side["exhausted"] else "")


def markdown(results: dict[str, Any]) -> str:
    """One row per concurrency level: floor, bot, and the bot/floor ratios."""
    lines = [HEADER, "|" + "---|" * 9]
    for row in results["levels"]:
        floor, bot = row["floor"], row["bot"]
        cells = (
            str(row["clients"]),
            f"{floor['rps']:.0f}",
            _latency(floor),
            _errors(floor),
            f"{bot['rps']:.0f}",
            _latency(bot),
            _errors(bot),
            _ratio(bot["rps"], floor["rps"]),
            _ratio(bot["p99_ms"], floor["p99_ms"]),
        )
        lines.append("| " + " | ".join(cells) + " |")
    m = results["machine"]
    lines.extend(_cpu_table(results))
    lines.append("")
    lines.append(
        f"{m['database']}, {m['cpu_count']} CPUs, Python {m['python']}, SQLite {m['sqlite']}; "
        f"{results['settings']['seconds']:g} s per level after {results['settings']['warmup']:g} s "
        "warm-up; req/s counts 200s only." + _steal(m.get("cpu_steal_share"))
    )
    lines.append(_stock_line(results))
    if "slack_calls" in results:
        calls = ", ".join(f"{k}: {v}" for k, v in sorted(results["slack_calls"].items()))
        lines.append(f"Bot in Slack mode; its local Slack Web API received: {calls or 'nothing'}.")
    lines.extend(f"Bot log, {n} times: {text}" for text, n in results["bot_log_warnings"].items())
    return "\n".join(lines)


def _cpu_table(results: dict[str, Any]) -> list[str]:
    """Each bot level's CPU per order, by process, and the most this machine could take."""
    rows = [(row["clients"], row.get("bot_cpu_ms")) for row in results["levels"]]
    if not any(cost for _, cost in rows):
        return []
    on_postgres = results["machine"]["database"] == "postgresql"
    server = "PostgreSQL server" if on_postgres else "(SQLite is in the bot)"
    lines = [
        "",
        f"| clients | bot process CPU ms / order | {server} | load generator and the rest "
        "| machine | machine's ceiling, orders/s |",
        "|" + "---|" * 6,
    ]
    for clients, cost in rows:
        if not cost:
            continue
        database = f"{cost['database']:.2f}" if on_postgres else "-"
        cells = (
            str(clients),
            f"{cost['bot']:.2f}",
            database,
            f"{cost['rest']:.2f}",
            f"{cost['machine']:.2f}",
            f"{cost['ceiling_orders_per_s']:.0f}",
        )
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(
        "CPU from /proc around each bot level (warm-up included), per order sent; the ceiling "
        "is the machine's CPUs divided by what one order cost all of them together."
    )
    return lines


def _steal(share: float | None) -> str:
    """What the hypervisor took while the levels ran: figures from a run that lost a share of
    its CPUs are not comparable with one that did not."""
    if share is None:
        return ""
    return f" The hypervisor took {100 * share:.0f}% of the CPU time during the levels (steal)."


def _stock_line(results: dict[str, Any]) -> str:
    """How much of what the bot was sent ended up backordered (from its own /metrics)."""
    sent = sum(row["bot"]["sent"] for row in results["levels"])
    ordered = sum(row["bot_units_sent"] for row in results["levels"])
    metrics = results["bot_metrics"]
    stored = sum(v for k, v in metrics.items() if k.startswith("backorder_orders_total"))
    waiting = sum(v for k, v in metrics.items() if k.startswith("backorder_backordered_units"))
    share = f"{100 * waiting / ordered:.0f}%" if ordered else "n/a"
    return (
        f"Bot was sent {sent} orders ({ordered} units) in all, stored {stored:.0f}; "
        f"{waiting:.0f} units ({share}) were backordered on arrival."
    )


def verdict(results: dict[str, Any]) -> str:
    """Where the bot stands against 1,000 orders/s at p99 < 100 ms (reported, never asserted)."""
    fits = [
        row
        for row in results["levels"]
        if row["bot"]["p99_ms"] < GOAL_P99_MS and row["bot"]["errors"] == 0
    ]
    cores = results["machine"]["cpu_count"]
    note = "" if cores == GOAL_CORES else f" (this machine has {cores} CPUs, the goal says 2)"
    goal = f"Goal {GOAL_RPS:.0f} orders/s at p99 < {GOAL_P99_MS:.0f} ms"
    if not fits:
        return f"{goal}: no level met the p99 without errors.{note}"
    row = max(fits, key=lambda level: level["bot"]["rps"])
    best = row["bot"]
    met = best["rps"] >= GOAL_RPS
    return (
        f"{goal}: {'met' if met else 'not met'}; best bot level "
        f"within the p99 was {best['clients']} clients at {best['rps']:.0f} orders/s, p99 "
        f"{best['p99_ms']:.1f} ms = {best['rps'] / GOAL_RPS:.2f} of the goal rate.{note}"
        + ("" if met else _reach(row.get("bot_cpu_ms")))
    )


def _reach(cost: dict[str, float] | None) -> str:
    """Whether this machine could have taken the goal's rate at what an order cost it."""
    if not cost:
        return ""
    ceiling = cost["ceiling_orders_per_s"]
    said = f" At that level each order cost the machine {cost['machine']:.2f} ms of CPU: "
    if ceiling < GOAL_RPS:
        return said + f"{ceiling:.0f} orders/s at most, so the goal is beyond this machine."
    return said + f"it could take {ceiling:.0f} orders/s, so the bot, not the machine, fell short."


def top_functions(path: Path, root: Path, count: int = 10) -> str:
    """The project's own functions (bot, domain, storage, handlers) by cumulative time."""
    if not path.exists():
        return f"No profile at {path}."
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    prefixes = tuple(str(root / part) + "/" for part in OWN_CODE)
    own = [(key, value) for key, value in stats.items() if key[0].startswith(prefixes)]
    total = max((value[3] for _key, value in own), default=0.0) or 1.0
    lines = [
        "cProfile, wall-clock per serving thread (so with more than one client it includes time "
        "spent queueing for SQLite's writer, in storage/db.py writer_turn):",
        "",
        "| cumulative s | % of requests | calls | function |",
        "|---|---|---|---|",
    ]
    for (file, line, name), (_cc, calls, _tt, cumulative, _callers) in sorted(
        own, key=lambda item: item[1][3], reverse=True
    )[:count]:
        where = f"{Path(file).relative_to(root)}:{line} {name}"
        lines.append(f"| {cumulative:.2f} | {100 * cumulative / total:.0f}% | {calls} | {where} |")
    return "\n".join(lines)
