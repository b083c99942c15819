"""What goes out and what is done once: the outbox, its pacing, Slack events, period marks,
and how far reconciliation has read each store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models_base import Base, UtcDateTime


class OutboxRow(Base):
    """A message for Slack or email, written with the change that caused it; sent by a worker."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        Index(
            "ix_outbox_pending",
            "channel",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    # Set (committed) before an email goes to the mail server: a retry that finds it asks a person.
    handed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Written by each claim: only the worker holding this claim may mark, retry or release it.
    claim_token: Mapped[str | None] = mapped_column(String(32))


class OutboxChannelRow(Base):
    """Per-channel pacing shared by every replica: nothing is sent there before `not_before`."""

    __tablename__ = "outbox_channels"

    channel: Mapped[str] = mapped_column(String(100), primary_key=True)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)


class SlackEventRow(Base):
    """Events API deliveries already handled, by `event_id`: Slack retries them."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(50), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)  # claims expire by it


class PeriodMarkRow(Base):
    """Effects done once per period (`deadline:2026-W48:supplier:3`, `digest:2026-W48`)."""

    __tablename__ = "period_marks"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StoreReconciliationRow(Base):
    """Per store, the time up to which reconciliation has read its changed orders."""

    __tablename__ = "store_reconciliations"

    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    read_to: Mapped[datetime] = mapped_column(UtcDateTime)
    ran_at: Mapped[datetime] = mapped_column(UtcDateTime)
