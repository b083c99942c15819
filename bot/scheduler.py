"""Timed jobs on APScheduler, in the bot's process: thin calls into the services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)


def build_scheduler(
    timezone: ZoneInfo, summary_every_s: int, flush_summaries: Callable[[], object]
) -> BackgroundScheduler:
    """The summary job every `summaries.batch_every` (none when summaries post at once)."""
    scheduler = BackgroundScheduler(
        timezone=timezone, job_defaults={"coalesce": True, "max_instances": 1}
    )
    if summary_every_s > 0:
        scheduler.add_job(
            flush_summaries,
            IntervalTrigger(seconds=summary_every_s, timezone=timezone),
            id="summary",
            name="new-backorder summary",
            misfire_grace_time=summary_every_s,
        )
    return scheduler
