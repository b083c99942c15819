"""The people around the bot in the season: the team's working hours and how quickly they
act, and how each supplier delivers a PO (when, and whether all of it)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bench.season_shop import SupplierHabit

OPENS, CLOSES = time(9, 0), time(17, 30)
WORKDAYS = range(5)  # Monday to Friday


@dataclass(frozen=True)
class WorkingHours:
    """The team's hours in the shop's zone."""

    zone: ZoneInfo

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        return local.weekday() in WORKDAYS and OPENS <= local.time() < CLOSES

    def next_open(self, at: datetime) -> datetime:
        """`at` itself in working hours, else the next opening."""
        local = at.astimezone(self.zone)
        for days in range(8):
            day = local.date() + timedelta(days=days)
            if day.weekday() not in WORKDAYS:
                continue
            opens = datetime.combine(day, OPENS, tzinfo=self.zone)
            closes = datetime.combine(day, CLOSES, tzinfo=self.zone)
            if local < closes:
                return max(opens, local).astimezone(at.tzinfo)
        raise AssertionError("a week always has a working day")

    def after(self, at: datetime, hours: float) -> datetime:
        """`hours` of working time after `at` (overnight and weekends do not count)."""
        moment, left = self.next_open(at), timedelta(hours=hours)
        while True:
            local = moment.astimezone(self.zone)
            closes = datetime.combine(local.date(), CLOSES, tzinfo=self.zone)
            room = closes - local
            if left < room:
                return moment + left
            left -= room
            moment = self.next_open(closes.astimezone(moment.tzinfo))


@dataclass(frozen=True)
class Delivery:
    """What a supplier does with one PO: it arrives after `lead_days`; a short one brings
    `short_share` of each line, the rest `rest_after_days` later (None: never, closed)."""

    lead_days: float
    late: bool
    short_share: float | None
    rest_after_days: float | None


class Suppliers:
    """Each PO's delivery, drawn from its supplier's habits (a stream per supplier)."""

    def __init__(self, seed: int, habits: tuple[SupplierHabit, ...]) -> None:
        self.habits = {h.name: h for h in habits}
        self.streams = {h.name: random.Random(f"season:{seed}:supplier:{h.name}") for h in habits}

    def delivery(self, supplier: str) -> Delivery:
        habit, rng = self.habits[supplier], self.streams[supplier]
        lead = max(1.0, rng.gauss(habit.lead_days, habit.spread_days))
        late = rng.random() < habit.late_chance
        if late:
            lead += rng.uniform(*habit.late_days)
        short = rng.random() < habit.short_chance
        share = rng.uniform(0.4, 0.85) if short else None
        rest = None
        if short and rng.random() < 0.7:  # most suppliers send the rest; some cannot
            rest = rng.uniform(4, 12)
        return Delivery(lead, late, share, rest)


class Staff:
    """The team's reactions: how long until they act, and what they decide."""

    def __init__(self, seed: int, hours: WorkingHours) -> None:
        self.rng = random.Random(f"season:{seed}:staff")
        self.hours = hours

    def acts_at(self, seen: datetime, mean_hours: float) -> datetime:
        """When someone gets to a message posted at `seen`: working hours only."""
        return self.hours.after(seen, self.rng.expovariate(1 / mean_hours))

    def decision(self) -> str:
        """approve (most), adjust (then approve), hold."""
        roll = self.rng.random()
        if roll < 0.07:
            return "hold"
        if roll < 0.17:
            return "adjust"
        return "approve"

    def adjusts_up(self) -> bool:
        """An adjustment adds a case for stock more often than it trims one."""
        return self.rng.random() < 0.6

    def skips_notices(self) -> bool:
        """Rarely, someone presses Skip on a batch of customer notices."""
        return self.rng.random() < 0.02
