"""Local weekly times (`fri 15:00` in `timezone`) as UTC instants, DST included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import DAYS, WeeklyTime


def next_weekly(after: datetime, weekly: WeeklyTime, zone: ZoneInfo) -> datetime:
    """The first `weekly` moment strictly after `after`, in UTC."""
    local = after.astimezone(zone)
    days_ahead = (DAYS.index(weekly.day) - local.weekday()) % 7
    for extra in (0, 7):
        day = (local + timedelta(days=days_ahead + extra)).date()
        candidate = datetime.combine(day, weekly.at, tzinfo=zone)
        if candidate > after:
            return candidate.astimezone(UTC)
    raise AssertionError("unreachable: a week always holds the next occurrence")


def last_weekly(at_or_before: datetime, weekly: WeeklyTime, zone: ZoneInfo) -> datetime:
    """The latest `weekly` moment at or before `at_or_before`, in UTC."""
    upcoming = next_weekly(at_or_before - timedelta(days=7), weekly, zone)
    following = next_weekly(upcoming, weekly, zone)
    return following if following <= at_or_before else upcoming


def iso_week(moment: datetime, zone: ZoneInfo) -> str:
    """The ISO week of a moment's local date, such as `2026-W48`: a period key."""
    year, week, _ = moment.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"
