"""The weekly jobs keyed by the occurrence they belong to, and stored jobs from older versions
brought onto the weekly trigger, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import text

from bot import jobs
from bot.config import AppConfig, parse_config
from bot.facade import Backorders
from bot.scheduling.scheduler import build_scheduler, install_jobs
from bot.scheduling.triggers import WeeklyTrigger
from domain.model import Catalog, Product, Supplier
from domain.purchase_orders import Actor
from storage.db import Database
from tests.support.builders import delivery, order

SUNDAY_2330 = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # London is on UTC in November
FRIDAY_3PM = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def settings(deadline: str) -> AppConfig:
    purchasing = {"deadline": deadline, "reminder_before": "2h"}
    return parse_config(
        {"slack": {"channel": "C0PURCHASE"}, "timezone": "Europe/London", "purchasing": purchasing}
    )


def shop(database: Database, clock: Clock, deadline: str) -> Backorders:
    desk = Backorders(database, clock, settings(deadline))
    desk.import_catalog(
        Catalog(
            (Supplier("Acme", None, 7, 0), Supplier("Bolt Co", None, 3, 0)),
            (
                Product("CHAIN", "Chain", "Acme", 0, 1, Decimal("10")),
                Product("BOLT", "Bolt", "Bolt Co", 0, 1, Decimal("1")),
            ),
        )
    )
    return desk


def marks(database: Database, prefix: str) -> list[str]:
    with database.engine.connect() as conn:
        rows = conn.execute(text("SELECT key FROM period_marks WHERE key LIKE :p"), {"p": prefix})
        return sorted(key.split(":supplier:")[0] for (key,) in rows)


def test_a_sunday_night_deadline_that_runs_after_midnight_makes_one_po_per_supplier_that_week(
    database: Database,
) -> None:
    clock = Clock(SUNDAY_2330 - timedelta(days=1))
    desk = shop(database, clock, "sun 23:30")
    desk.ingest(delivery(order("1001", ("CHAIN", 1), ("BOLT", 2))))
    clock.now = SUNDAY_2330 + timedelta(minutes=40)  # the bot was down over 23:30
    assert sorted(desk.run_deadline()) == ["Acme: proposed", "Bolt Co: proposed"]
    clock.now += timedelta(minutes=10)  # a second run, or a second replica: nothing more
    assert desk.run_deadline() == []
    for po in desk.open_pos():
        desk.approve_po(po.po_id, po.version, Actor("U1", True))
    desk.ingest(delivery(order("1002", ("CHAIN", 1))))
    clock.now = SUNDAY_2330 + timedelta(days=7)  # Monday's week has its own deadline
    assert desk.run_deadline() == ["Acme: proposed"]
    assert marks(database, "deadline:%") == ["deadline:2026-W48"] * 2 + ["deadline:2026-W49"]


def test_a_reminder_on_sunday_evening_and_the_monday_deadline_it_warns_about_share_a_week(
    database: Database,
) -> None:
    monday_0030 = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)
    clock = Clock(monday_0030 - timedelta(hours=2))  # Sunday 22:30, still ISO week 48
    desk = shop(database, clock, "mon 00:30")
    desk.ingest(delivery(order("1001", ("BOLT", 2))))
    assert desk.remind_deadline() is True
    clock.now = monday_0030
    assert desk.run_deadline() == ["Bolt Co: proposed"]
    assert marks(database, "reminder:%") == ["reminder:2026-W49"]
    assert marks(database, "deadline:%") == ["deadline:2026-W49"]


def test_a_reminder_run_at_the_end_of_its_grace_leaves_next_weeks_reminder(
    database: Database,
) -> None:
    clock = Clock(FRIDAY_3PM)  # the reminder was due at 13:00; its grace ends at the deadline
    desk = shop(database, clock, "fri 15:00")
    desk.ingest(delivery(order("1001", ("BOLT", 2))))
    assert desk.remind_deadline() is True
    clock.now = FRIDAY_3PM + timedelta(days=7, hours=-2)
    assert desk.remind_deadline() is True  # next week is warned too


def test_a_stored_cron_job_is_upgraded_on_start_and_keeps_the_run_it_missed(
    database: Database,
) -> None:
    config = settings("fri 15:00")
    missed = FRIDAY_3PM  # stored by an older version; the bot was down over it
    now = FRIDAY_3PM + timedelta(hours=4)
    # The schedulers' own clock stays before every stored run: a scheduler shut down with a
    # job due moves that job on without running it, and these ones only hold the store.
    with time_machine.travel(missed - timedelta(hours=1), tick=False):
        older = build_scheduler(database, config)
        older.start(paused=True)
        cron = CronTrigger(day_of_week="fri", hour=15, minute=0, timezone=config.timezone)
        older.add_job(jobs.deadline, cron, id="deadline", next_run_time=missed)
        monday = CronTrigger(day_of_week="mon", hour=9, minute=0, timezone=config.timezone)
        older.add_job(jobs.digest, monday, id="digest", next_run_time=missed + timedelta(days=2))
        older.shutdown(wait=False)

        upgrading = build_scheduler(database, config)
        upgrading.start(paused=True)
        install_jobs(upgrading, config, now)
        upgrading.shutdown(wait=False)

        restarted = build_scheduler(database, config)  # what the store holds loads back
        restarted.start(paused=True)
        deadline, digest = restarted.get_job("deadline"), restarted.get_job("digest")
        restarted.shutdown(wait=False)
    assert isinstance(deadline.trigger, WeeklyTrigger)
    assert isinstance(digest.trigger, WeeklyTrigger)
    assert deadline.next_run_time == missed  # runs once when the bot is back, within its grace
    assert digest.next_run_time == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    after_missed = deadline.trigger.get_next_fire_time(missed, now)
    assert after_missed == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
