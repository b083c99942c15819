"""Timed jobs on APScheduler, in the bot's process: thin calls into the services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)


BUFFER_CHECK_S = 15


def build_scheduler(
    timezone: ZoneInfo,
    summary_every_s: int,
    flush_summaries: Callable[[], object],
    check_buffers: Callable[[], object],
) -> BackgroundScheduler:
    """`summary` every `summaries.batch_every` (unless it posts at once), `buffers` often."""
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
    scheduler.add_job(
        check_buffers,
        IntervalTrigger(seconds=BUFFER_CHECK_S, timezone=timezone),
        id="buffers",
        name="proposals follow their buffers; early raise at the minimum",
        misfire_grace_time=BUFFER_CHECK_S,
    )
    return scheduler
