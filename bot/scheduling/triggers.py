"""The APScheduler trigger for the weekly jobs, on the same `WeeklyCalendar` the desk keys
its runs by. Stored jobs pickle it into `apscheduler_jobs` by its path,
`bot.scheduling.triggers:WeeklyTrigger`: this module and the class keep their names."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from bot.config import WeeklyTime
from bot.scheduling.calendar import MICROSECOND, WeeklyCalendar

STATE_VERSION = 1


class WeeklyTrigger(BaseTrigger):
    """Fires at each occurrence of `calendar`, or `ahead` of it (the reminder): once per
    occurrence, whatever the clocks do that week."""

    __slots__ = ("ahead", "calendar", "jitter")

    def __init__(
        self, calendar: WeeklyCalendar, ahead: timedelta = timedelta(), jitter: int | None = None
    ) -> None:
        self.calendar = calendar
        self.ahead = ahead
        self.jitter = jitter

    @property
    def timezone(self) -> ZoneInfo:
        return self.calendar.zone

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The first fire at or after `now`; after a fire, the one following it (even if that
        is past: the scheduler coalesces missed runs and applies the misfire grace), never
        the same one again, whatever `now` says (so a clock set back does not repeat a run)."""
        # In UTC: real-time arithmetic (on a local time, `+` drops the fold, an hour back)
        start = (previous_fire_time or now).astimezone(UTC)
        if previous_fire_time is not None:
            start += MICROSECOND
        occurrence = self.calendar.first_at_or_after(start + self.ahead)
        fire = (occurrence - self.ahead).astimezone(self.timezone)
        return self._apply_jitter(fire, self.jitter, now)

    def __getstate__(self) -> dict[str, Any]:
        weekly = self.calendar.weekly
        return {
            "version": STATE_VERSION,
            "day": weekly.day,
            "at": weekly.at.isoformat(),
            "zone": self.calendar.zone.key,
            "ahead_s": self.ahead.total_seconds(),
            "jitter": self.jitter,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state.get("version", 1) > STATE_VERSION:
            raise ValueError(f"WeeklyTrigger state version {state['version']} is newer than this")
        weekly = WeeklyTime(state["day"], time.fromisoformat(state["at"]))
        self.calendar = WeeklyCalendar(weekly, ZoneInfo(state["zone"]))
        self.ahead = timedelta(seconds=state["ahead_s"])
        self.jitter = state.get("jitter")

    def __str__(self) -> str:
        if self.ahead:
            return f"weekly, {_span(self.ahead)} before {self.calendar}"
        return f"weekly, {self.calendar}"

    def __repr__(self) -> str:
        return f"<WeeklyTrigger ({self})>"


def _span(ahead: timedelta) -> str:
    minutes = int(ahead.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}m" if rest else f"{hours}h"
