"""Slack requests already applied, so a replayed one changes nothing (shared by all replicas).

Keys live in `slack_events` beside the Events API's `event_id`s, under their own "r:" prefix:
one unique column already guards both, and no migration is needed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from storage.db import Database
from storage.models import SlackEventRow
from storage.outbox import dialect_insert

events = SlackEventRow.__table__
PREFIX = "r:"
# Slack refuses a signature older than 5 minutes, so a replay can only come within them;
# an hour leaves room for clocks that disagree.
KEEP = timedelta(hours=1)


class SlackReplays:
    """Claim a request's key once; every replica sees the same claims."""

    def __init__(self, database: Database, keep: timedelta = KEEP) -> None:
        self.database = database
        self.keep = keep

    def claim(self, key: str, now: datetime) -> bool:
        """True the first time `key` is claimed; forgets claims older than `keep` as it goes."""
        row_id = PREFIX + key
        with self.database.writer_turn(), self.database.engine.begin() as conn:
            conn.execute(
                delete(events).where(
                    events.c.event_id.like(PREFIX + "%"), events.c.received_at < now - self.keep
                )
            )
            insert = dialect_insert(conn.dialect.name)(events)
            stmt = insert.values(event_id=row_id, received_at=now).on_conflict_do_nothing(
                index_elements=["event_id"]
            )
            # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT.
            return conn.execute(stmt.returning(events.c.event_id)).first() is not None

    def release(self, key: str) -> None:
        """Forget a claim whose request changed nothing (a form sent back with errors)."""
        with self.database.writer_turn(), self.database.engine.begin() as conn:
            conn.execute(delete(events).where(events.c.event_id == PREFIX + key))
