"""APScheduler in the bot's process: weekly triggers on the calendar the desk keys its runs
by (in `timezone`), a persistent job store on the bot's database, coalescing and a generous
misfire grace, so a deadline missed while the bot was down runs once when it is back. Every
job's effect is keyed per period in the database, so two runs, or two processes, do it once."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Column, Float, MetaData, Table, Unicode, select

from bot import jobs
from bot.config import AppConfig
from bot.reconciling import stores_configured
from bot.scheduling.calendar import deadline_calendar, digest_calendar
from bot.scheduling.triggers import WeeklyTrigger
from storage.db import Database

log = logging.getLogger(__name__)
BUFFER_CHECK_S = 15
CUSTOMER_NOTICES_S = 60
WEEK_GRACE_S = int(timedelta(days=6).total_seconds())  # late, but never skipped to next week


@dataclass(frozen=True)
class JobSpec:
    id: str
    name: str
    trigger: BaseTrigger
    grace_s: int


def job_specs(config: AppConfig) -> list[JobSpec]:
    """The jobs this configuration asks for."""
    purchasing = config.purchasing
    before = timedelta(seconds=purchasing.reminder_before_s)
    deadline = deadline_calendar(config)
    specs = [
        JobSpec("deadline", "weekly PO deadline", WeeklyTrigger(deadline), WEEK_GRACE_S),
        JobSpec("digest", "weekly digest", WeeklyTrigger(digest_calendar(config)), WEEK_GRACE_S),
        JobSpec(
            "buffers",
            "proposals follow buffers; early raise at the minimum",
            IntervalTrigger(seconds=BUFFER_CHECK_S, timezone=config.timezone),
            BUFFER_CHECK_S,
        ),
    ]
    if config.customers.from_address or config.customers.by_customer_note:  # someone hears
        every = IntervalTrigger(seconds=CUSTOMER_NOTICES_S, timezone=config.timezone)
        specs.append(JobSpec("customer_notices", "notices customers are owed", every, 60))
    if before.total_seconds() > 0:
        reminder = WeeklyTrigger(deadline, ahead=before)
        specs.append(
            JobSpec(
                "reminder", "reminder before the deadline", reminder, int(before.total_seconds())
            )
        )
    if config.summaries_batch_every_s > 0:
        every = config.summaries_batch_every_s
        specs.append(
            JobSpec(
                "summary",
                "new-backorder summary",
                IntervalTrigger(seconds=every, timezone=config.timezone),
                every,
            )
        )
    if config.reconcile_every_s > 0 and stores_configured():
        every = config.reconcile_every_s
        trigger = IntervalTrigger(seconds=every, timezone=config.timezone)
        specs.append(
            JobSpec("reconcile", "orders webhooks missed, read from the stores", trigger, every)
        )
    return specs


def build_scheduler(database: Database, config: AppConfig) -> BackgroundScheduler:
    store = SQLAlchemyJobStore(engine=database.engine, tablename="apscheduler_jobs")
    return BackgroundScheduler(
        jobstores={"default": store},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=config.timezone,
    )


def start(scheduler: BackgroundScheduler, config: AppConfig) -> None:
    """Start with the configured jobs, then let them run."""
    scheduler.start(paused=True)
    install_jobs(scheduler, config, datetime.now(UTC))
    scheduler.resume()


def stop(scheduler: BaseScheduler) -> None:
    """Stop at once (a running job finishes on its own) with every stored run left for whoever
    runs the scheduler next. APScheduler's shutdown wakes its loop once more, after its workers
    have stopped, and that pass would take a run due at that instant and fail to start it; so
    the job store is let go first (kept open: it is the bot's own database engine)."""
    with contextlib.suppress(KeyError):
        scheduler.remove_jobstore("default", shutdown=False)
    if scheduler.running:
        scheduler.shutdown(wait=False)


def install_jobs(scheduler: BaseScheduler, config: AppConfig, now: datetime) -> None:
    """The configured jobs in the store. A stored job whose trigger did not change is kept, so
    its pending run, possibly missed while the bot was down, still happens; a changed one
    (a new time, or a job stored by an older version with a cron trigger) is replaced, and a
    run it had missed is kept too: it runs once, within its misfire grace."""
    wanted = {spec.id: spec for spec in job_specs(config)}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
    for spec in wanted.values():
        existing = scheduler.get_job(spec.id)
        if existing is not None and str(existing.trigger) == str(spec.trigger):
            continue
        missed = getattr(existing, "next_run_time", None)
        pending = {"next_run_time": missed} if missed is not None and missed <= now else {}
        scheduler.add_job(
            jobs.JOBS[spec.id],
            spec.trigger,
            id=spec.id,
            name=spec.name,
            misfire_grace_time=spec.grace_s,
            replace_existing=True,
            **pending,
        )


def describe(specs: list[JobSpec], stored: dict[str, Any], now: datetime) -> list[str]:
    """`jobs list`: each job, its trigger, and its next run (the stored one when pending)."""
    lines = []
    for spec in specs:
        pending = stored.get(spec.id)
        upcoming = pending or spec.trigger.get_next_fire_time(None, now)
        when = upcoming.astimezone(spec.trigger.timezone) if upcoming else None
        late = " (missed: runs as soon as the bot is up)" if pending and pending < now else ""
        text = f"{when:%a %Y-%m-%d %H:%M %Z}" if when else "never"
        lines.append(f"{spec.id:<9} {text}{late}   {spec.name} [{spec.trigger}]")
    return lines


def stored_runs(database: Database) -> dict[str, datetime]:
    """Each stored job's pending run, read from the job store's table (no scheduler needed)."""
    table = Table(
        "apscheduler_jobs", MetaData(), Column("id", Unicode(191)), Column("next_run_time", Float)
    )
    with database.engine.connect() as conn:
        rows = conn.execute(select(table.c.id, table.c.next_run_time)).all()
    return {job: datetime.fromtimestamp(at, UTC) for job, at in rows if at is not None}
