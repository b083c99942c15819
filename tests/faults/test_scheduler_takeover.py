"""Two bot processes on one PostgreSQL: one runs the scheduler; killed, the other takes over
and runs the deadline that came due meanwhile, once."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.config import load_config
from bot.console.local_slack import LocalSlack
from bot.facade import Backorders
from bot.scheduling.scheduler import build_scheduler, stored_runs
from bot.scheduling.scheduler import stop as stop_scheduler
from domain.model import Catalog, Product, Supplier
from storage.db import Database, connect
from storage.migrate import upgrade
from tests.e2e.test_cli import bot_command
from tests.e2e.test_po_replicas import start_replica
from tests.support.builders import delivery, order
from tests.support.databases import postgres_schema_url, require_postgres
from tests.support.http import request
from tests.support.slack import SIGNING_SECRET

TAKEOVER_BOUND_S = 60  # the "within a minute"
CONFIG = """
slack: {channel: C0PURCHASE, approvers: [U012ABCDEF]}
timezone: Europe/London
purchasing: {deadline: "fri 15:00"}
stores: {reconcile_every: "0"}
"""


@pytest.fixture
def one_database() -> Iterator[Database]:
    require_postgres()
    schema = f"bb_takeover_{os.getpid()}"
    database = connect(postgres_schema_url(schema))
    upgrade(database)
    yield database
    with database.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    database.dispose()


def health(url: str) -> dict[str, Any]:
    return request(f"{url}/healthz").json()  # type: ignore[no-any-return]


def wait_until(what: Callable[[], bool], seconds: float = TAKEOVER_BOUND_S) -> bool:
    """Poll `what` until it holds or `seconds` pass (a bound, not a timed assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if what():
            return True
        time.sleep(0.2)
    return what()


def deadline_comes_due(database: Database, config_path: Path) -> None:
    """Friday 15:00 passes while no replica leads: the stored deadline run is now due."""
    scheduler = build_scheduler(database, load_config(config_path))
    scheduler.start(paused=True)  # paused: it only edits the job store
    scheduler.modify_job("deadline", next_run_time=datetime.now(UTC) - timedelta(minutes=1))
    stop_scheduler(scheduler)  # lets the store go first, so its own shutdown takes no run


@pytest.mark.postgres
def test_when_the_scheduler_leader_is_killed_the_other_replica_takes_over_and_runs_the_deadline(
    one_database: Database, tmp_path: Path
) -> None:
    desk = Backorders(one_database)
    desk.import_catalog(
        Catalog(
            (Supplier("Acme", None, 7, 100),),  # far below its minimum: only the deadline raises
            (Product("CHAIN", "Chain", "Acme", 0, 6, Decimal("10")),),
        )
    )
    desk.ingest(delivery(order("1001", ("CHAIN", 1))))
    config = tmp_path / "app.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    with LocalSlack() as slack:
        env = {
            "DATABASE_URL": one_database.url,
            "BOT_CONFIG": str(config),
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "SCHEDULER_STANDBY_RETRY_S": "1",
        }
        first, first_url = start_replica(env, tmp_path / "first.log")
        second, second_url = start_replica(env, tmp_path / "second.log")
        replicas = [first, second]
        try:
            before = [health(first_url), health(second_url)]
            first.send_signal(signal.SIGKILL)
            first.wait(20)
            deadline_comes_due(one_database, config)
            took_over = wait_until(lambda: health(second_url)["scheduler_role"] == "leader")
            after = health(second_url)
            listed = bot_command("jobs", "list", env=env)
            wait_until(lambda: bool(desk.open_pos()))
        finally:
            stop(replicas)
    assert [(h["scheduler_role"], h["scheduler"]) for h in before] == [
        ("leader", "running"),
        ("standby", "stopped"),
    ]
    assert took_over and (after["scheduler_role"], after["scheduler"]) == ("leader", "running")
    [leader] = [line for line in listed.stdout.splitlines() if "Scheduler run by:" in line]
    assert f":{second.pid} " in leader  # the replica's host:pid, as pg_stat_activity has it
    [po] = desk.open_pos()
    assert (po.supplier, po.trigger) == ("Acme", "deadline")
    assert stored_runs(one_database)["deadline"] > datetime.now(UTC)  # next Friday, not again


def stop(replicas: list[subprocess.Popen[bytes]]) -> None:
    for process in replicas:
        if process.poll() is None:
            process.terminate()
            process.wait(20)
