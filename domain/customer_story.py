"""What a customer was told about their order, and what they answered: the order's journey as
the team reads it in `/backorders order`, and the audit of every notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

AUTO = "auto"  # decided_by of a notice the policy sent without asking anyone


@dataclass(frozen=True)
class ToldNotice:
    """One notice: what it said, what became of it, who decided and when it went."""

    kind: str  # backordered | delayed | on_its_way
    status: str  # awaiting_approval | queued | sent | skipped | withdrawn | cancelled
    about_date: date | None
    created_at: datetime
    decided_by: str | None  # the person who decided, AUTO, or None while it awaits approval
    decided_at: datetime | None
    sent_at: datetime | None


@dataclass(frozen=True)
class CustomerAnswer:
    choice: str  # keep_waiting | cancel | opt_out
    at: datetime


@dataclass(frozen=True)
class CustomerStory:
    """One order's notices, oldest first, and the customer's answers from the journey page."""

    number: str
    told: tuple[ToldNotice, ...]
    answers: tuple[CustomerAnswer, ...]

    @property
    def empty(self) -> bool:
        return not self.told and not self.answers
