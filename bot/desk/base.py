"""What every part of the desk shares: the database, one clock, the configuration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.config import AppConfig, parse_config
from bot.slack_check import CHANNEL_ID
from domain.purchase_orders import PurchasingSetup
from storage.db import Database
from storage.group_commit import GroupCommit
from storage.unit_of_work import SqlUnitOfWork

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class DeskBase:
    """A fresh unit of work per call, one clock; safe to share across threads."""

    def __init__(
        self,
        database: Database,
        clock: Clock = utc_now,
        config: AppConfig | None = None,
        email_enabled: bool = False,
    ) -> None:
        self.database = database
        # Orders share commits on SQLite; on PostgreSQL each is its own transaction, in parallel.
        self.ingest_commits = GroupCommit(database) if database.is_sqlite else None
        self.clock = clock
        self.config = config or parse_config({"slack": {"channel": "C0PURCHASE"}})
        self.channel = self.config.slack.channel
        self.channel_id: Callable[[], str | None] = self._configured_id
        self.zone = self.config.timezone
        deadline = self.config.purchasing.deadline
        self.deadline_text = f"{deadline} {self.zone.key}"
        self.summarise_at_once = self.config.summaries_batch_every_s == 0
        self.purchasing = PurchasingSetup(
            self.channel, self.config.purchasing.po_prefix, email_enabled
        )

    def now(self) -> datetime:
        return self.clock()

    def channel_link(self) -> str:
        """The team channel as Slack links it (`<#C0123>`); `#purchasing` until its ID is known."""
        found, name = self.channel_id(), self.channel.lstrip("#")
        if not found:
            return f"#{name}"
        return f"<#{found}>" if found == name else f"<#{found}|{name}>"

    def _configured_id(self) -> str | None:
        return self.channel if CHANNEL_ID.fullmatch(self.channel) else None

    def __deepcopy__(self, memo: dict[int, object]) -> DeskBase:
        # Bolt deep-copies a request's context for lazy listeners; the desk is shared, not copied.
        return self

    def _writer(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.database)

    def _reader(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.database, read_only=True)
