"""Local weekly times (`fri 15:00` in `timezone`) as UTC instants, DST included.

`WeeklyCalendar` is the one rule for a weekly job: the scheduler fires at its occurrences
(bot.scheduling.triggers.WeeklyTrigger) and the desk keys each run by the occurrence it
belongs to, so the two never disagree about a clock change, a late run or a week boundary.
A local time the clocks skip runs at the same offset as before the change (01:30 on the
spring-forward night is 02:30 summer time); one they repeat runs once, the first time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import DAYS, AppConfig, WeeklyTime

MICROSECOND = timedelta(microseconds=1)


def next_weekly(after: datetime, weekly: WeeklyTime, zone: ZoneInfo) -> datetime:
    """The first `weekly` moment strictly after `after`, in UTC."""
    after = after.astimezone(UTC)  # compared in UTC: in one zone, Python ignores the fold
    local = after.astimezone(zone)
    days_ahead = (DAYS.index(weekly.day) - local.weekday()) % 7
    for extra in (0, 7):
        candidate = _local(local.date() + timedelta(days=days_ahead + extra), weekly, zone)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: a week always holds the next occurrence")


def last_weekly(at_or_before: datetime, weekly: WeeklyTime, zone: ZoneInfo) -> datetime:
    """The latest `weekly` moment at or before `at_or_before`, in UTC (by local dates: a week
    across a clock change is an hour longer or shorter than seven days)."""
    at = at_or_before.astimezone(UTC)
    local = at.astimezone(zone)
    days_back = (local.weekday() - DAYS.index(weekly.day)) % 7
    for extra in (0, 7):
        candidate = _local(local.date() - timedelta(days=days_back + extra), weekly, zone)
        if candidate <= at:
            return candidate
    raise AssertionError("unreachable: a week always holds the last occurrence")


def _local(day: date, weekly: WeeklyTime, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, weekly.at, tzinfo=zone).astimezone(UTC)


def iso_week(moment: datetime, zone: ZoneInfo) -> str:
    """The ISO week of a moment's local date, such as `2026-W48`: a period key."""
    year, week, _ = moment.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class WeeklyCalendar:
    """A weekly moment in a zone: its occurrences, and the week each one belongs to."""

    weekly: WeeklyTime
    zone: ZoneInfo

    def next_after(self, after: datetime) -> datetime:
        """The first occurrence strictly after `after`, in UTC."""
        return next_weekly(after, self.weekly, self.zone)

    def first_at_or_after(self, at: datetime) -> datetime:
        """The first occurrence at `at` or later, in UTC."""
        return next_weekly(at - MICROSECOND, self.weekly, self.zone)

    def last_at_or_before(self, at: datetime) -> datetime:
        """The latest occurrence at `at` or earlier: the one a late run still belongs to."""
        return last_weekly(at, self.weekly, self.zone)

    def period(self, occurrence: datetime) -> str:
        """The period key of an occurrence (its local ISO week), never of the time a run
        happened: a `sun 23:30` deadline that runs at 00:10 on Monday keys to Sunday's week."""
        return iso_week(occurrence, self.zone)

    def __str__(self) -> str:
        return f"{self.weekly} {self.zone.key}"


def deadline_calendar(config: AppConfig) -> WeeklyCalendar:
    """`purchasing.deadline` in `timezone`: the deadline job and its reminder."""
    return WeeklyCalendar(config.purchasing.deadline, config.timezone)


def digest_calendar(config: AppConfig) -> WeeklyCalendar:
    """`digest.schedule` in `timezone`."""
    return WeeklyCalendar(config.digest_schedule, config.timezone)
