"""The scheduler for real: cron in local time, a missed deadline, two processes at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine

from bot.app import build_bot
from bot.config import parse_config
from bot.facade import Backorders
from bot.scheduling.scheduler import job_specs
from bot.settings import settings_from_env
from domain.model import Catalog, Product, Supplier
from storage.db import Database
from tests.e2e.test_cli import ROOT
from tests.support.builders import delivery, order

LONDON = {"slack": {"channel": "C0PURCHASE"}, "timezone": "Europe/London"}


def stock_one_supplier(database: Database) -> Backorders:
    desk = Backorders(database)
    desk.import_catalog(
        Catalog(
            (Supplier("Acme", None, 7, 100),),
            (Product("CHAIN", "Chain", "Acme", 0, 6, Decimal("10")),),
        )
    )
    desk.ingest(delivery(order("1001", ("CHAIN", 1))))
    return desk


def test_the_deadline_fires_at_the_same_local_time_across_a_clock_change() -> None:
    [deadline] = [s for s in job_specs(parse_config(LONDON)) if s.id == "deadline"]
    before = datetime(2026, 10, 20, tzinfo=UTC)
    first = deadline.trigger.get_next_fire_time(None, before)
    second = deadline.trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    assert first.astimezone(UTC) == datetime(2026, 10, 23, 14, 0, tzinfo=UTC)  # 15:00 BST
    assert second.astimezone(UTC) == datetime(2026, 10, 30, 15, 0, tzinfo=UTC)  # 15:00 GMT
    assert (first.hour, second.hour) == (15, 15)


def test_a_deadline_missed_while_the_bot_was_down_runs_once_when_it_is_back(
    database: Database,
) -> None:
    stock_one_supplier(database)
    settings = settings_from_env({"DATABASE_URL": "unused://"})
    friday_noon = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    with time_machine.travel(friday_noon, tick=True):
        first = build_bot(settings, parse_config(LONDON), database=database)
        first.start_background()  # stores the deadline job: next run Fri 15:00
        first.stop_background()
    with time_machine.travel(friday_noon + timedelta(hours=4), tick=True):  # down over 15:00
        second = build_bot(settings, parse_config(LONDON), database=database)
        second.start_background()
        try:
            deadline = time.monotonic() + 15
            while not second.backorders.open_pos() and time.monotonic() < deadline:
                time.sleep(0.05)
            [po] = second.backorders.open_pos()
            next_run = second.scheduler.get_job("deadline").next_run_time  # type: ignore[union-attr]
        finally:
            second.stop_background()
    assert po.trigger == "deadline"
    assert next_run.astimezone(UTC) == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # not again today


def test_two_processes_running_the_deadline_at_once_make_one_proposal(
    database: Database,
) -> None:
    stock_one_supplier(database)
    env = os.environ | {"DATABASE_URL": database.url}

    def run(_: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "jobs", "run", "deadline"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, range(2)))
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    assert sum("Acme: proposed" in r.stdout for r in results) == 1
    assert len(Backorders(database).open_pos()) == 1


def test_jobs_list_shows_each_job_and_its_next_run_in_the_configured_zone(
    database: Database,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "jobs", "list"],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": database.url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Scheduled jobs (Europe/London)" in result.stdout
    for job in ("deadline", "digest", "reminder", "buffers", "summary"):
        assert job in result.stdout
    assert "Fri" in result.stdout.split("deadline", 1)[1].splitlines()[0]
