"""One weekly rule: the scheduler fires at the calendar's occurrences, once a week, whatever
the clocks do, and the reminder fires its full `reminder_before` ahead of each deadline."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.base import BaseTrigger

from bot.config import parse_config
from bot.scheduling.calendar import WeeklyCalendar, deadline_calendar
from bot.scheduling.scheduler import JobSpec, job_specs
from bot.scheduling.triggers import WeeklyTrigger

YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2027, 1, 1, tzinfo=UTC)
# 01:30 and 02:30 on Sundays fall in the hour the clocks skip or repeat in one zone or the
# other; the rest are ordinary, late on a Sunday, or just after midnight on a Monday.
TIMES = ["sun 01:30", "sun 02:30", "sun 00:30", "sun 23:30", "mon 00:30", "fri 15:00"]
ZONES = ["Europe/London", "America/New_York"]


def config(zone: str, deadline: str, before: str = "2h") -> dict[str, object]:
    purchasing = {"deadline": deadline, "reminder_before": before}
    return {"slack": {"channel": "C0PURCHASE"}, "timezone": zone, "purchasing": purchasing}


def spec(settings: dict[str, object], job: str) -> JobSpec:
    [found] = [s for s in job_specs(parse_config(settings)) if s.id == job]
    return found


def fires(trigger: BaseTrigger, start: datetime, end: datetime) -> list[datetime]:
    """What the scheduler would run, fire after fire, as APScheduler asks its trigger."""
    found: list[datetime] = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire < end:
        found.append(fire.astimezone(UTC))
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return found


def occurrences(calendar: WeeklyCalendar, start: datetime, end: datetime) -> list[datetime]:
    found = [calendar.first_at_or_after(start)]
    while (following := calendar.next_after(found[-1])) < end:
        found.append(following)
    return found


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("deadline", TIMES)
def test_the_deadline_fires_once_at_each_of_the_calendars_occurrences_for_a_year(
    zone: str, deadline: str
) -> None:
    settings = config(zone, deadline)
    calendar = deadline_calendar(parse_config(settings))
    fired = fires(spec(settings, "deadline").trigger, YEAR_START, YEAR_END)
    assert fired == occurrences(calendar, YEAR_START, YEAR_END)
    weeks = [calendar.period(at) for at in fired]
    assert len(set(weeks)) == len(weeks) in (52, 53)  # one run a week, none twice


@pytest.mark.parametrize("zone", ZONES)
def test_on_the_night_the_clocks_go_back_a_sunday_0130_deadline_runs_once(zone: str) -> None:
    night = {"Europe/London": datetime(2026, 10, 25), "America/New_York": datetime(2026, 11, 1)}
    start = night[zone].replace(tzinfo=UTC) - timedelta(days=1)
    trigger = spec(config(zone, "sun 01:30"), "deadline").trigger
    fired = fires(trigger, start, start + timedelta(days=3))
    assert [at.astimezone(ZoneInfo(zone)).strftime("%a %H:%M") for at in fired] == ["Sun 01:30"]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("deadline", ["sun 03:00", "mon 01:00", "fri 15:00"])
def test_the_reminder_fires_its_full_two_hours_before_every_deadline(
    zone: str, deadline: str
) -> None:
    settings = config(zone, deadline, before="2h")
    deadlines = fires(spec(settings, "deadline").trigger, YEAR_START, YEAR_END)
    reminders = fires(spec(settings, "reminder").trigger, YEAR_START, YEAR_END)
    assert [d - r for r, d in zip(reminders, deadlines, strict=True)] == [timedelta(hours=2)] * len(
        deadlines
    )


def test_the_hour_before_the_first_deadline_after_the_clocks_go_back_is_last_weeks() -> None:
    calendar = deadline_calendar(parse_config(config("Europe/London", "fri 15:00")))
    half_two = datetime(2026, 10, 30, 14, 30, tzinfo=UTC)  # Friday 14:30 GMT, first week on GMT
    assert calendar.last_at_or_before(half_two) == datetime(2026, 10, 23, 14, 0, tzinfo=UTC)
    assert calendar.first_at_or_after(half_two) == datetime(2026, 10, 30, 15, 0, tzinfo=UTC)


def test_a_late_sunday_deadline_run_after_midnight_keys_to_sundays_week() -> None:
    calendar = deadline_calendar(parse_config(config("Europe/London", "sun 23:30")))
    monday_0010 = datetime(2026, 11, 30, 0, 10, tzinfo=UTC)
    due = calendar.last_at_or_before(monday_0010)
    assert due == datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert calendar.period(due) == "2026-W48"  # Sunday's week, not Monday's 2026-W49


def test_a_stored_trigger_comes_back_from_its_pickle_unchanged() -> None:
    trigger = spec(config("America/New_York", "sun 02:30", "90m"), "reminder").trigger
    restored = pickle.loads(pickle.dumps(trigger, pickle.HIGHEST_PROTOCOL))
    assert str(restored) == str(trigger) == "weekly, 1h30m before sun 02:30 America/New_York"
    assert fires(restored, YEAR_START, YEAR_END) == fires(trigger, YEAR_START, YEAR_END)


def test_a_jittered_trigger_fires_within_its_jitter_after_each_occurrence() -> None:
    calendar = deadline_calendar(parse_config(config("Europe/London", "fri 15:00")))
    trigger = pickle.loads(pickle.dumps(WeeklyTrigger(calendar, jitter=60)))
    for occurrence in occurrences(calendar, YEAR_START, YEAR_END):
        fire = trigger.get_next_fire_time(None, occurrence - timedelta(hours=1))
        assert occurrence <= fire <= occurrence + timedelta(seconds=60)
