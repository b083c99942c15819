"""Purchase orders, their lines, history and numbers, and the receipts against them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models_base import Base, UtcDateTime


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
