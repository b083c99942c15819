"""What customers are told and what they answer: notices (one per kind, lines and date), the
Slack batches that approve them, customers' choices, and the secrets the bot keeps itself."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models_base import Base, UtcDateTime

NOTICE_KINDS = ("backordered", "delayed", "on_its_way")
NOTICE_STATUSES = ("awaiting_approval", "queued", "sent", "skipped", "withdrawn", "cancelled")
PROMISE_SOURCES = ("order", "product", "supplier", "default")
CHOICES = ("keep_waiting", "cancel", "opt_out")


class NoticeBatchRow(Base):
    """Notices of one kind put to the channel in one message ("12 delay notices ready")."""

    __tablename__ = "notice_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # awaiting_approval -> sent | skipped; decided once, whoever clicks twice.
    status: Mapped[str] = mapped_column(String(20))
    # Grows with every notice added while the message is open: a click on an older one is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The Slack message that shows the batch (outbox dedupe key or channel:ts), once posted.
    message_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(50))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CustomerNoticeRow(Base):
    """One email to one customer: never two of one kind for the same lines and date."""

    __tablename__ = "customer_notices"
    __table_args__ = (
        UniqueConstraint("order_id", "kind", "lines_key", "about_date"),
        # NULLs differ in a unique key on both databases: notices without a date get their own.
        Index(
            "ix_customer_notices_one_undated",
            "order_id",
            "kind",
            "lines_key",
            unique=True,
            sqlite_where=text("about_date IS NULL"),
            postgresql_where=text("about_date IS NULL"),
        ),
        Index(
            "ix_customer_notices_open",
            "status",
            "id",
            sqlite_where=text("status IN ('awaiting_approval', 'queued')"),
            postgresql_where=text("status IN ('awaiting_approval', 'queued')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # NOTICE_KINDS
    # The order line ids the notice is about, sorted and joined with ',' ("12,15").
    lines_key: Mapped[str] = mapped_column(String(2000))
    about_date: Mapped[date | None] = mapped_column(Date)  # the date the notice states
    status: Mapped[str] = mapped_column(String(20))  # NOTICE_STATUSES
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("notice_batches.id"), index=True)
    reason: Mapped[str | None] = mapped_column(
        Text
    )  # plain words: "our supplier's shipment is late"
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Not sent before this (customers.notice_delay after the order).
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(50))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CustomerChoiceRow(Base):
    """A customer's answer from the journey page: keep waiting, cancel, or no more notices."""

    __tablename__ = "customer_choices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    # The delay notice answered, when the choice came from one.
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("customer_notices.id"))
    choice: Mapped[str] = mapped_column(String(20))  # CHOICES
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    # A digest of the token used (never the token): which link, revoked or not, was followed.
    token_fingerprint: Mapped[str] = mapped_column(String(64))


class StoredSecretRow(Base):
    """Secrets the bot makes on first start (JOURNEY_SECRET when the environment has none)."""

    __tablename__ = "stored_secrets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
