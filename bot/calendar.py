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
