"""What several benches share: command-line bounds, the machine, memory and profiles."""

from __future__ import annotations

import argparse
import os
import platform
import pstats
import resource
import sqlite3
from pathlib import Path
from typing import Any

from bench import servers

OWN_CODE = ("bot", "domain", "storage", "handlers")


def bounded(low: int, high: int) -> Any:
    """An argparse type: an integer within [low, high]."""

    def parse(value: str) -> int:
        number = int(value.replace("_", "").replace(",", ""))
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"between {low} and {high}")
        return number

    return parse


def peak_rss_mib() -> float:
    """This process's peak resident set so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def top_functions(path: Path, count: int = 10) -> list[dict[str, Any]]:
    """The project's own functions (bot, domain, storage, handlers) by cumulative time."""
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    prefixes = tuple(str(servers.ROOT / part) + "/" for part in OWN_CODE)
    own = [(key, value) for key, value in stats.items() if key[0].startswith(prefixes)]
    own.sort(key=lambda item: item[1][3], reverse=True)
    return [
        {
            "function": f"{Path(file).relative_to(servers.ROOT)}:{line} {name}",
            "calls": calls,
            "cumulative_s": cumulative,
            "own_s": own_time,
        }
        for (file, line, name), (_cc, calls, own_time, cumulative, _callers) in own[:count]
    ]


def machine(args: argparse.Namespace) -> dict[str, Any]:
    """CPU count, versions and load, taken before anything runs."""
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "database": "postgresql" if args.database_url else "sqlite",
        "loadavg_before": os.getloadavg(),
    }


def cpu_fields() -> list[int] | None:
    """The machine's CPU time so far by kind (user, nice, system, idle, iowait, irq, softirq,
    steal, ...), in clock ticks, from Linux's /proc/stat; None where there is no such file."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            return [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None


def cpu_ticks() -> tuple[int, int] | None:
    """All CPU time and the part a hypervisor gave to other guests ("steal"), from Linux's
    /proc/stat; None where there is no such file."""
    fields = cpu_fields()
    if fields is None:
        return None
    steal = fields[7] if len(fields) > 7 else 0
    return sum(fields[:8]), steal


def steal_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share of CPU time taken by the hypervisor between two `cpu_ticks` readings: on a
    shared virtual machine this is capacity the run did not have."""
    if before is None or after is None or after[0] <= before[0]:
        return None
    return (after[1] - before[1]) / (after[0] - before[0])


def machine_line(m: dict[str, Any]) -> str:
    """The database and machine the numbers come from."""
    sqlite = f", SQLite {m['sqlite']}" if m["database"] == "sqlite" else ""
    return (
        f"{m['database']}, {m['cpu_count']} CPUs, Python {m['python']}{sqlite}, load average "
        f"{m['loadavg_before'][0]:.1f} before; each measurement in a fresh interpreter on a "
        "fresh, identically seeded database."
    )


def profile_table(top: list[dict[str, Any]], digits: int = 2) -> str:
    """The profile's top functions as a Markdown table."""
    lines = ["| cumulative s | own s | calls | function |", "|---:|---:|---:|---|"]
    lines += [
        f"| {t['cumulative_s']:.{digits}f} | {t['own_s']:.{digits}f} | {t['calls']:,} | "
        f"{t['function']} |"
        for t in top
    ]
    return "\n".join(lines)
