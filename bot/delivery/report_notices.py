"""The team's reports as notices: summaries, the deadline reminder, the digest and the
workbooks, read and worded when they are sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.config import AppConfig
from bot.delivery.outbox_worker import NothingToSend
from bot.delivery.rendered import Post, Upload
from domain.deadline import reminder_facts
from domain.lead_times import EtaSlip
from domain.model import LineIssue
from domain.services import summary_facts
from domain.views import BackorderSummary, NewBackorder, UnplacedLine
from handlers.blocks.digest import digest_message
from handlers.blocks.journey import late_promises_text, slips_text, with_section
from handlers.blocks.message import Message
from handlers.blocks.reminders import reminder_message
from handlers.blocks.summaries import summary_message
from storage.db import Database
from storage.digest_workbook import digest_workbook
from storage.outbox import ClaimLost, QueuedMessage
from storage.summaries import NothingQueued
from storage.unit_of_work import SqlUnitOfWork
from storage.workbooks import open_backorders_workbook


class NothingToSay(NothingToSend):
    """A due summary found nothing queued: its notice is closed as done, and nothing is posted."""


class ReportNotices:
    """Reads what a report shows at send time (read-only) and words it as the channel reads it."""

    def __init__(
        self, database: Database, clock: Callable[[], datetime], config: AppConfig
    ) -> None:
        self.database = database
        self.clock = clock
        self.zone = config.timezone
        self.deadline_text = f"{config.purchasing.deadline} {self.zone.key}"

    def _reader(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.database, read_only=True)

    def summary(self, message: QueuedMessage) -> Post:
        """What started waiting: the facts a summary was queued with (older versions queued
        them), or, for a due summary, the queue taken now."""
        facts = message.payload
        if "new_backorders" not in facts:
            facts = self._take_due(message)
        return _post(summary_message(_summary(facts), self.clock()))

    def _take_due(self, message: QueuedMessage) -> dict[str, Any]:
        """Take the queue (short: orders queueing lines wait for it), then read and word the
        lines taken without holding anyone up, and keep the facts told in the notice."""
        with SqlUnitOfWork(self.database) as uow:
            try:
                kept = uow.summaries.take_due(message.id, message.channel, self.clock())
            except NothingQueued as nothing:
                uow.commit()
                raise NothingToSay(str(nothing)) from nothing
            uow.commit()
        if "new_backorders" in kept:  # worded by an earlier try (or an older version)
            return kept
        with self._reader() as uow:
            facts = summary_facts(uow.summaries.describe(kept["taken"]))
        with SqlUnitOfWork(self.database) as uow:
            kept_now = uow.summaries.keep(message.id, facts, message.claim)
            uow.commit()
        if not kept_now:  # another worker's since this one's lease ran out: it words its own
            raise ClaimLost(f"outbox message {message.id} is another worker's now")
        return facts

    def reminder(self, facts: dict[str, Any]) -> Post:
        with self._reader() as uow:
            due, waiting = reminder_facts(uow)
        at = datetime.fromisoformat(facts["deadline_at"])
        return _post(reminder_message(at, due, waiting, self.zone))

    def digest(self, facts: dict[str, Any]) -> Post:
        now = self.clock()
        with self._reader() as uow:
            report = uow.digest.build(*_week(facts), now)
        message = digest_message(report, now, self.zone)
        slips = [_slip(slip) for slip in facts.get("slips", [])]
        message = with_section(message, slips_text(slips, self.zone)) if slips else message
        late = facts.get("late", [])
        return _post(
            with_section(message, late_promises_text(late, self.zone)) if late else message
        )

    def digest_workbook(self, start: datetime, end: datetime) -> bytes:
        now = self.clock()
        with self._reader() as uow:
            report = uow.digest.build(start, end, now)
            return digest_workbook(report, uow.queries.open_lines(), now, self.zone)

    def digest_file(self, facts: dict[str, Any]) -> Upload:
        start, end = _week(facts)
        return Upload(
            self.digest_workbook(start, end),
            f"backorder-digest-{end:%Y-%m-%d}.xlsx",
            title=f"Backorder digest, week to {end:%d %b %Y}",
            comment="The full detail: every open line, suppliers, cancellations.",
            reply_to=str(facts["digest"]),
        )

    def export_workbook(self) -> bytes:
        with self._reader() as uow:
            return open_backorders_workbook(uow.queries.open_lines(), self.clock())

    def export_file(self, facts: dict[str, Any]) -> Upload:
        at = datetime.fromisoformat(facts["at"])
        return Upload(
            self.export_workbook(),
            f"open-backorders-{at:%Y-%m-%d-%H%M}.xlsx",
            title=f"Open backorders, {at:%Y-%m-%d %H:%M} UTC",
            comment=f"Open backorders, as asked by <@{facts['requested_by']}>.",
        )


def _post(message: Message) -> Post:
    return Post(message.text, message.blocks)


def _week(facts: dict[str, Any]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(facts["start"]), datetime.fromisoformat(facts["end"])


def _summary(facts: dict[str, Any]) -> BackorderSummary:
    new = tuple(
        NewBackorder(**(line | {"placed_at": datetime.fromisoformat(line["placed_at"])}))
        for line in facts["new_backorders"]
    )
    unplaced = tuple(
        UnplacedLine(**(line | {"issue": LineIssue(line["issue"])})) for line in facts["unplaced"]
    )
    return BackorderSummary(new, unplaced)


def _slip(facts: dict[str, Any]) -> EtaSlip:
    return EtaSlip(
        facts["order_number"],
        facts["sku"],
        datetime.fromisoformat(facts["first_expected_at"]),
        datetime.fromisoformat(facts["expected_at"]),
    )
