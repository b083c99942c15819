"""The outbox: messages queued in the same transaction as their cause, claimed by workers.

A Slack post and an email are marked as handed over (committed) before they go. A Slack post
retried with that mark is first looked for in the channel (bot/delivery/slack_delivery.py), so
it is posted once when its history can be read and at least once otherwise; an email retried
with it asks a person rather than going again. Each claim carries a token that every later
write about the message checks, so a worker whose lease ran out changes nothing. Order is
kept per channel (only a channel's oldest pending message is ever sent), and pacing is shared
by every replica through `outbox_channels`. A worker serves a set of channels (`Channels`):
Slack's apart from the mail server's and the stores', so a slow one never holds up the others.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, func, literal, not_, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite

from domain.notifications import Notice
from storage.db import Database
from storage.models import OutboxChannelRow, OutboxRow
from storage.tx import SqlTx

log = logging.getLogger(__name__)

outbox = OutboxRow.__table__
channels = OutboxChannelRow.__table__
HOLD = """
INSERT INTO outbox
  (channel, kind, payload, dedupe_key, status, attempts, next_attempt_at, created_at)
VALUES (:channel, :kind, :payload, :dedupe_key, :status, :attempts, :next_attempt_at,
        :created_at)
ON CONFLICT (dedupe_key) DO UPDATE SET dedupe_key = excluded.dedupe_key"""


class SqlOutbox:
    """The domain's port: queue a notice inside the current transaction (its kind and facts;
    it is worded when it is sent)."""

    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def add(self, notice: Notice, now: datetime) -> bool:
        stmt = dialect_insert(self.tx.conn.dialect.name)(outbox).values(_row(notice, now))
        if notice.key is not None:
            stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
        # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT.
        return self.tx.conn.execute(stmt.returning(outbox.c.id)).first() is not None

    def hold(self, notice: Notice, now: datetime) -> None:
        """Queue a keyed notice, or, when one with its key is queued already, lock that one
        until this transaction ends (ON CONFLICT DO UPDATE): a sender that takes it over
        (a due summary, say) waits for what this transaction queued behind it. On the
        driver's cursor: an order runs it, and SQLAlchemy's statement building cost more
        than the statement (storage/statements.py)."""
        assert notice.key is not None
        driver = self.tx.driver
        at = driver.time(now)
        row = _row(notice, now) | {"next_attempt_at": at, "created_at": at}
        driver.execute_many(HOLD, [row])

    def add_all(self, notices: list[Notice], now: datetime) -> None:
        """Queue many keyed notices in one statement (a key queued before is skipped)."""
        if not notices:
            return
        stmt = dialect_insert(self.tx.conn.dialect.name)(outbox).on_conflict_do_nothing(
            index_elements=["dedupe_key"]
        )
        self.tx.conn.execute(stmt, [_row(notice, now) for notice in notices])

    def settle(
        self,
        message_id: int,
        status: str,
        result: dict[str, Any],
        now: datetime,
        claim: str | None = None,
    ) -> bool:
        """Close a pending message in this transaction, with what it caused ("sent" and the PO
        marked sent, say): both are written or neither is. With `claim`, only while that claim
        holds it; False when nothing was closed."""
        stmt = update(outbox).where(outbox.c.id == message_id, outbox.c.status == "pending")
        if claim is not None:
            stmt = stmt.where(outbox.c.claim_token == claim)
        settled = self.tx.conn.execute(
            stmt.values(
                status=status,
                sent_at=now,
                result=json.dumps(result),
                claimed_until=None,
                last_error=None,
            ).returning(outbox.c.id)
        ).first()
        return settled is not None


def _row(notice: Notice, now: datetime) -> dict[str, Any]:
    return {
        "channel": notice.audience,
        "kind": notice.kind,
        "payload": json.dumps(notice.facts),
        "dedupe_key": notice.key,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def dialect_insert(dialect: str) -> Any:
    """The INSERT construct with ON CONFLICT for this database."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


@dataclass(frozen=True)
class Channels:
    """The outbox channels a worker serves: these names and those starting with these prefixes,
    or (`others`) every channel but those."""

    names: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    others: bool = False

    def but(self) -> Channels:
        """Every channel this set does not hold."""
        return Channels(self.names, self.prefixes, not self.others)

    def __contains__(self, channel: object) -> bool:
        named = channel in self.names or str(channel).startswith(self.prefixes)
        return named != self.others

    def where(self, column: Any) -> ColumnElement[bool]:
        """The SQL condition on `column` (a channel) for this set."""
        named = [column.in_(sorted(self.names))] if self.names else []
        named += [column.startswith(prefix, autoescape=True) for prefix in self.prefixes]
        held = or_(false(), *named)
        return not_(held) if self.others else held


EVERY = Channels(others=True)  # every channel: one worker serves the whole outbox
NONE = Channels()


class ClaimLost(Exception):
    """This worker's lease on a message ran out and another worker claimed it: this one must
    neither send it nor write anything about it."""


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    channel: str
    kind: str
    payload: dict[str, Any]
    key: str | None
    attempts: int
    # Handed to the mail server (an email) or to Slack (a post) then, and maybe taken: the
    # first such try whose outcome is not known.
    handed_at: datetime | None = None
    claim: str | None = None  # this worker's claim on it (see `OutboxStore.claim`)


class OutboxStore:
    """What the delivery worker needs; every method is its own short transaction."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def due(self, now: datetime, served: Channels = EVERY) -> list[QueuedMessage]:
        """Each served channel's oldest pending message, if it may be sent now."""
        head = (
            select(func.min(outbox.c.id))
            .where(outbox.c.status == "pending", _served(served, outbox.c.channel))
            .group_by(outbox.c.channel)
            .scalar_subquery()
        )
        stmt = (
            select(outbox)
            .outerjoin(channels, channels.c.channel == outbox.c.channel)
            .where(outbox.c.id.in_(head), outbox.c.next_attempt_at <= now)
            .where(or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now))
            .where(or_(channels.c.not_before.is_(None), channels.c.not_before <= now))
            .order_by(outbox.c.id)
        )
        with self.database.reader.connect() as conn:
            return [_queued(row) for row in conn.execute(stmt).mappings()]

    def claim(
        self, message: QueuedMessage, now: datetime, lease: float, pace: float
    ) -> QueuedMessage | None:
        """Take the message for `lease` seconds and the channel's next slot (none when `pace`
        is 0: the other end sets the pace): the message with this claim's token, or None if
        taken. Every later change to it checks the token, so a worker whose lease ran out
        (another took the message since) changes nothing."""
        token = secrets.token_hex(16)
        with self.database.writer_turn(), self.database.engine.begin() as conn:
            claimed = conn.execute(
                update(outbox)
                .where(outbox.c.id == message.id, outbox.c.status == "pending")
                .where(or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now))
                .values(claimed_until=now + timedelta(seconds=lease), claim_token=token)
                .returning(outbox.c.handed_at)
            ).first()
            paced = pace > 0
            if claimed is None or (paced and not self._take_slot(conn, message.channel, now, pace)):
                conn.rollback()
                return None
        return replace(message, claim=token, handed_at=claimed.handed_at)

    def renew(self, message: QueuedMessage, now: datetime, lease: float) -> bool:
        """The send is still going: the claim holds `lease` seconds from now. False if it was
        lost (the lease ran out and another worker took the message)."""
        return self._update(message, claimed_until=now + timedelta(seconds=lease))

    def _take_slot(self, conn: Any, channel: str, now: datetime, pace: float) -> bool:
        later = now + timedelta(seconds=pace)
        stmt = dialect_insert(conn.dialect.name)(channels).values(channel=channel, not_before=later)
        stmt = stmt.on_conflict_do_update(
            index_elements=["channel"],
            set_={"not_before": later},
            where=channels.c.not_before <= now,
        )
        return conn.execute(stmt.returning(channels.c.channel)).first() is not None

    def mark_sent(self, message: QueuedMessage, result: dict[str, Any], now: datetime) -> bool:
        return self._update(
            message,
            status="sent",
            sent_at=now,
            result=json.dumps(result),
            claimed_until=None,
            last_error=None,
        )

    def hand_over(self, message: QueuedMessage, now: datetime) -> bool:
        """Committed before the email (or post) goes: from now on, it may have reached the
        supplier (or the channel). An earlier mark whose outcome is still unknown is kept.
        False if this worker's claim was lost: it must not send."""
        handed_at = func.coalesce(outbox.c.handed_at, literal(now, outbox.c.handed_at.type))
        return self._update(message, handed_at=handed_at)

    def take_back(self, message: QueuedMessage) -> bool:
        """The other end refused or never got it: it did not go, a retry may send it."""
        return self._update(message, handed_at=None)

    def retry_later(self, message: QueuedMessage, error: str, at: datetime) -> bool:
        return self._update(
            message,
            attempts=message.attempts + 1,
            next_attempt_at=at,
            last_error=error[:2000],
            claimed_until=None,
        )

    def give_up(self, message: QueuedMessage, error: str) -> bool:
        return self._update(
            message,
            status="dead",
            last_error=error[:2000],
            claimed_until=None,
            attempts=message.attempts + 1,
        )

    def pause_channel(self, channel: str, until: datetime) -> None:
        """Slack asked us to wait (429): nothing goes to this channel before `until`."""
        with self.database.writer_turn(), self.database.engine.begin() as conn:
            stmt = dialect_insert(conn.dialect.name)(channels).values(
                channel=channel, not_before=until
            )
            conn.execute(
                stmt.on_conflict_do_update(index_elements=["channel"], set_={"not_before": until})
            )

    def release(self, message: QueuedMessage) -> bool:
        return self._update(message, claimed_until=None, attempts=message.attempts + 1)

    def result_of(self, key: str) -> dict[str, Any] | None:
        """What Slack answered for the message queued under `key`, once it was sent."""
        stmt = select(outbox.c.result).where(outbox.c.dedupe_key == key, outbox.c.status == "sent")
        with self.database.reader.connect() as conn:
            raw = conn.execute(stmt).scalar_one_or_none()
        return json.loads(raw) if raw else None

    def is_dead(self, key: str) -> bool:
        stmt = select(outbox.c.status).where(outbox.c.dedupe_key == key)
        with self.database.reader.connect() as conn:
            return conn.execute(stmt).scalar_one_or_none() == "dead"

    def backlog(self) -> tuple[int, datetime | None]:
        """How many messages wait, and since when the oldest."""
        stmt = select(func.count(), func.min(outbox.c.created_at)).where(
            outbox.c.status == "pending"
        )
        with self.database.reader.connect() as conn:
            count, oldest = conn.execute(stmt).one()
        return int(count), oldest

    def oldest_pending(self, lanes: dict[str, Channels]) -> dict[str, datetime | None]:
        """Per lane (a name and its channels), when its oldest waiting message was queued."""
        oldest: dict[str, datetime | None] = {}
        with self.database.reader.connect() as conn:
            for lane, served in lanes.items():
                stmt = select(func.min(outbox.c.created_at)).where(
                    outbox.c.status == "pending", _served(served, outbox.c.channel)
                )
                oldest[lane] = conn.execute(stmt).scalar_one()
        return oldest

    def _update(self, message: QueuedMessage, **values: Any) -> bool:
        """Change a message still pending, and still held by this worker's claim: one settled
        with what it caused stays settled, and a worker whose lease ran out (another claimed
        the message since) changes nothing. False, logged, when nothing changed."""
        stmt = update(outbox).where(outbox.c.id == message.id, outbox.c.status == "pending")
        if message.claim is not None:
            stmt = stmt.where(outbox.c.claim_token == message.claim)
        with self.database.writer_turn(), self.database.engine.begin() as conn:
            changed = conn.execute(stmt.values(**values).returning(outbox.c.id)).first()
            lost = changed is None and message.claim is not None and _held_by_another(conn, message)
        if lost:
            log.warning(
                "outbox message %s was claimed by another worker after this one's lease ran "
                "out: %s not written",
                message.id,
                ", ".join(sorted(values)),
            )
        return changed is not None


def _held_by_another(conn: Any, message: QueuedMessage) -> bool:
    """Still pending under another claim (one settled already is no one's to lose)."""
    stmt = select(outbox.c.status, outbox.c.claim_token).where(outbox.c.id == message.id)
    row = conn.execute(stmt).first()
    return row is not None and row.status == "pending" and row.claim_token != message.claim


def _served(served: Channels, column: Any) -> ColumnElement[bool]:
    return true() if served == EVERY else served.where(column)


def _queued(row: Any) -> QueuedMessage:
    return QueuedMessage(
        id=row["id"],
        channel=row["channel"],
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        key=row["dedupe_key"],
        attempts=row["attempts"],
        handed_at=row["handed_at"],
    )
