"""Tables, as typed SQLAlchemy 2 models. Every datetime column holds UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC; reads them back aware, on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SupplierRow(Base):
    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    lead_time_days: Mapped[int]
    min_order_qty: Mapped[int]


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("case_pack >= 1", name="case_pack_positive"),
        CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    on_hand: Mapped[int] = mapped_column(BigInteger)  # receipts add to it, like PO lines below
    case_pack: Mapped[int]
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(12, 4))


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index(
            "ix_orders_cancelled_at",
            "cancelled_at",
            sqlite_where=text("cancelled_at IS NOT NULL"),
            postgresql_where=text("cancelled_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(100), index=True)
    customer: Mapped[str | None] = mapped_column(String(320))
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source_updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OrderLineRow(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_ref"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("allocated_qty >= 0 AND waiting_qty >= 0", name="parts_not_negative"),
        CheckConstraint("allocated_qty + waiting_qty <= quantity", name="parts_within_quantity"),
        # First-in, first-out ranking of waiting lines per product: order placed, then arrival.
        # It also covers the backlog aggregates (waiting units, orders), which then never read
        # the table itself.
        Index(
            "ix_order_lines_waiting_fifo",
            "product_id",
            "placed_at",
            "id",
            "waiting_qty",
            "order_id",
            sqlite_where=text("waiting_qty > 0"),
            postgresql_where=text("waiting_qty > 0"),
        ),
        Index(
            "ix_order_lines_unplaced",
            "order_id",
            sqlite_where=text("issue IS NOT NULL"),
            postgresql_where=text("issue IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    line_ref: Mapped[str] = mapped_column(String(100))
    sku: Mapped[str | None] = mapped_column(String(100))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    name: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[int]
    allocated_qty: Mapped[int]
    waiting_qty: Mapped[int]
    backordered_qty: Mapped[int] = mapped_column(default=0, server_default="0")
    first_expected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set when a person cancels the line on its own; later store versions leave it at zero.
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    issue: Mapped[str | None] = mapped_column(String(20))
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DeliveryRow(Base):
    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("source", "delivery_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    delivery_key: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(50))
    order_external_id: Mapped[str] = mapped_column(String(100))
    order_updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(20))


class SummaryQueueRow(Base):
    """Order lines that started waiting (or could not be placed) since the last summary."""

    __tablename__ = "summary_queue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    line_ref: Mapped[str] = mapped_column(String(100))
    units: Mapped[int]
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime)


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


class OutboxChannelRow(Base):
    """Per-channel pacing shared by every replica: nothing is sent there before `not_before`."""

    __tablename__ = "outbox_channels"

    channel: Mapped[str] = mapped_column(String(100), primary_key=True)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)


class SlackEventRow(Base):
    """Events API deliveries already handled, by `event_id`: Slack retries them."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(50), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PurchaseOrderRow(Base):
    """A purchase order from proposal to arrival; `version` grows with every change of lines."""

    __tablename__ = "purchase_orders"
    __table_args__ = (
        UniqueConstraint("number"),
        UniqueConstraint("period_key"),
        # At most one proposal (or held buffer) per supplier, whoever tries to raise another.
        Index(
            "ix_purchase_orders_one_open_proposal",
            "supplier_id",
            unique=True,
            sqlite_where=text("status IN ('proposed', 'held')"),
            postgresql_where=text("status IN ('proposed', 'held')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    status: Mapped[str] = mapped_column(String(12))
    version: Mapped[int]
    number: Mapped[str | None] = mapped_column(String(40))
    trigger: Mapped[str] = mapped_column(String(20))
    period_key: Mapped[str | None] = mapped_column(String(80))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(50))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    hold_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class PoLineRow(Base):
    __tablename__ = "po_lines"
    __table_args__ = (
        UniqueConstraint("po_id", "product_id"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(500))
    # A PO line sums many order lines (each up to MAX_LINE_QUANTITY): 64-bit on both databases.
    demand: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    case_pack: Mapped[int]
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    adjusted: Mapped[bool] = mapped_column(default=False)
    received_qty: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class PoEventRow(Base):
    """The audit trail: every proposal, update, approval, adjustment, hold and sending."""

    __tablename__ = "po_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)


class CounterRow(Base):
    """Sequences that must never repeat across replicas, such as PO numbers."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int]


class PeriodMarkRow(Base):
    """Effects done once per period (`deadline:2026-W48:supplier:3`, `digest:2026-W48`)."""

    __tablename__ = "period_marks"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReceiptRow(Base):
    """Goods that arrived against a PO, on one day; its lines say how many of each."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_by: Mapped[str] = mapped_column(String(50))
    lead_time_days: Mapped[float | None]
    # The Receive form submission it came from (Slack's view id and hash): applied once, even
    # when Slack, a replica or a double submit delivers it again.
    submission: Mapped[str | None] = mapped_column(
        String(100), unique=True, name="submission", default=None
    )


class ReceiptLineRow(Base):
    __tablename__ = "receipt_lines"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    po_line_id: Mapped[int] = mapped_column(ForeignKey("po_lines.id"))
    quantity: Mapped[int] = mapped_column(BigInteger)
