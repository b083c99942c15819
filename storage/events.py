"""Events API deliveries already handled, keyed by Slack's `event_id`."""

from __future__ import annotations

import hashlib
from datetime import datetime

from storage.models import SlackEventRow
from storage.outbox import dialect_insert
from storage.tx import SqlTx

events = SlackEventRow.__table__
ID_LENGTH = 50  # the column's: Slack's ids (Ev0PV52K21) are far shorter


def storable_id(event_id: str) -> str:
    """The id as stored: itself, or a digest of it when it is too long or not plain text."""
    if len(event_id) <= ID_LENGTH and event_id.isascii() and event_id.isprintable():
        return event_id
    return "h:" + hashlib.sha256(event_id.encode("utf-8", "replace")).hexdigest()[:40]


class SqlSeenEvents:
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def first_time(self, event_id: str, now: datetime) -> bool:
        stmt = dialect_insert(self.tx.conn.dialect.name)(events).values(
            event_id=storable_id(event_id), received_at=now
        )
        stmt = stmt.on_conflict_do_nothing(index_elements=["event_id"]).returning(events.c.event_id)
        # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT.
        return self.tx.conn.execute(stmt).first() is not None
