"""The ingest bench says where each bot level's CPU went, and the machine's ceiling from it."""

from __future__ import annotations

import os
import time

import pytest

from bench.cpu_split import per_order, read
from bench.report import _cpu_table, verdict


def test_each_part_is_divided_by_the_orders_and_the_rest_is_what_the_parts_leave() -> None:
    before = {"machine": 10.0, "bot": 2.0, "database": 1.0}
    after = {"machine": 14.0, "bot": 4.0, "database": 2.5}
    cost = per_order(before, after, 1_000)
    assert cost is not None
    assert (cost["machine"], cost["bot"], cost["database"]) == (4.0, 2.0, 1.5)
    assert cost["rest"] == pytest.approx(0.5)
    assert cost["ceiling_orders_per_s"] == pytest.approx(1000 * (os.cpu_count() or 1) / 4.0)


def test_no_reading_or_no_order_gives_no_split() -> None:
    reading = {"machine": 1.0, "bot": 1.0, "database": 0.0}
    assert per_order(None, reading, 10) is None
    assert per_order(reading, reading, 0) is None


def test_the_process_named_is_the_one_read() -> None:
    before = read(os.getpid())
    if before is None:
        pytest.skip("no /proc here (not Linux): the bench reports no CPU split")
    spin_until = time.process_time() + 0.3
    while time.process_time() < spin_until:
        pass
    after = read(os.getpid())
    assert after is not None
    assert after["bot"] - before["bot"] >= 0.2
    assert after["machine"] - before["machine"] >= after["bot"] - before["bot"] - 0.05


def _results(database: str) -> dict:
    cost = {"bot": 2.16, "database": 1.69, "rest": 0.7, "machine": 4.55}
    cost["ceiling_orders_per_s"] = 440.0
    return {
        "machine": {"database": database},
        "levels": [{"clients": 16, "bot_cpu_ms": cost}, {"clients": 32, "bot_cpu_ms": None}],
    }


def test_the_table_names_the_postgresql_server_and_the_ceiling() -> None:
    lines = _cpu_table(_results("postgresql"))
    assert "PostgreSQL server" in lines[1]
    assert lines[3] == "| 16 | 2.16 | 1.69 | 0.70 | 4.55 | 440 |"
    assert len([line for line in lines if line.startswith("| 32")]) == 0


def test_on_sqlite_the_database_is_in_the_bot_and_no_split_means_no_table() -> None:
    assert _cpu_table(_results("sqlite"))[3] == "| 16 | 2.16 | - | 0.70 | 4.55 | 440 |"
    assert _cpu_table({"machine": {"database": "sqlite"}, "levels": [{"clients": 4}]}) == []


def _level(rps: float, ceiling: float) -> dict:
    bot = {"clients": 16, "rps": rps, "p99_ms": 40.0, "errors": 0}
    cost = {"bot": 1.0, "database": 0.5, "rest": 0.5, "machine": 2000 / ceiling}
    cost["ceiling_orders_per_s"] = ceiling
    return {"machine": {"cpu_count": 2}, "levels": [{"bot": bot, "bot_cpu_ms": cost}]}


def test_a_goal_missed_says_whether_the_machine_could_have_met_it() -> None:
    beyond = verdict(_level(378.0, 462.0))
    assert (
        "not met" in beyond and "462 orders/s at most, so the goal is beyond this machine" in beyond
    )
    short = verdict(_level(622.0, 1_250.0))
    assert "could take 1250 orders/s, so the bot, not the machine, fell short" in short
    met = verdict(_level(1_205.0, 1_300.0))
    assert met.startswith("Goal 1000 orders/s at p99 < 100 ms: met;") and "machine" not in met
