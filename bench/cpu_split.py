"""Where a level's CPU went: the bot process, the PostgreSQL server on this machine, the rest.

Read from Linux's /proc around one measurement: the bot's own process (all its threads), every
process named `postgres` (the server's backends, its WAL writer and checkpointer), and the
machine's busy time. "The rest" is the machine less those two: mostly the load generator, and
the kernel's loopback work not charged to a process. Divided by the orders sent, it says what
one order costs the machine, and so the most orders a second this machine could take at all
(its CPUs' time divided by that cost): the ceiling a level is measured against.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bench.common import cpu_fields

PROC = Path("/proc")
SERVER_NAME = "postgres"


def _ticks_to_s(ticks: int) -> float:
    return ticks / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> float | None:
    """The machine's busy CPU seconds (user, nice, system, irq, softirq), from /proc/stat."""
    fields = cpu_fields()
    if fields is None or len(fields) < 7:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return _ticks_to_s(user + nice + system + irq + softirq)


def _process_cpu(pid: int | str) -> float:
    """utime + stime of one process (all its threads); 0 if it is gone."""
    try:
        after_name = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return _ticks_to_s(int(after_name[11]) + int(after_name[12]))


def _server_pids() -> list[str]:
    pids = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == SERVER_NAME:
                pids.append(entry.name)
        except OSError:
            continue
    return pids


def read(bot_pid: int) -> dict[str, float] | None:
    """CPU seconds used so far by the machine, the bot's process (all its threads) and this
    machine's PostgreSQL processes (those still running); None without /proc."""
    machine = _machine_busy()
    if machine is None:
        return None
    database = sum(_process_cpu(pid) for pid in _server_pids())
    return {"machine": machine, "bot": _process_cpu(bot_pid), "database": database}


def per_order(
    before: dict[str, float] | None, after: dict[str, float] | None, orders: int
) -> dict[str, Any] | None:
    """CPU milliseconds per order between two readings, by part, and the machine's ceiling.

    A backend that exits between the readings takes its time with it, so the server's share
    is a lower bound (the bot keeps its pooled connections open, so few do). The load
    generator's start (a fresh interpreter receiving the prepared orders) counts in the rest."""
    if before is None or after is None or orders <= 0:
        return None
    cost = {part: 1000 * (after[part] - before[part]) / orders for part in before}
    cost["database"] = max(0.0, cost["database"])
    cost["rest"] = max(0.0, cost["machine"] - cost["bot"] - cost["database"])
    cpus = os.cpu_count() or 1
    cost["ceiling_orders_per_s"] = 1000 * cpus / cost["machine"] if cost["machine"] > 0 else 0.0
    return cost
