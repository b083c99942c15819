"""Tables, as typed SQLAlchemy 2 models. Every datetime column holds UTC.

The catalog and orders are here; purchase orders and receipts in `models_purchasing`, the
outbox and what is done once in `models_outbox`, all importable from here."""

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
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models_base import Base, UtcDateTime
from storage.models_customers import (
    CustomerChoiceRow,
    CustomerNoticeRow,
    NoticeBatchRow,
    StoredSecretRow,
)
from storage.models_outbox import (
    OutboxChannelRow,
    OutboxRow,
    PeriodMarkRow,
    SlackEventRow,
    StoreReconciliationRow,
)
from storage.models_purchasing import (
    CounterRow,
    PoEventRow,
    PoLineRow,
    PurchaseOrderRow,
    ReceiptLineRow,
    ReceiptRow,
)


class SupplierRow(Base):
    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    lead_time_days: Mapped[int]
    min_order_qty: Mapped[int]
    # Days from the order to the promised ship-by, for this supplier's products; None: the default.
    promise_days: Mapped[int | None]


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
    promise_days: Mapped[int | None]  # overrides the supplier's


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
    # Indexed alone as well: people type it (`order seed-499`) without the store.
    external_id: Mapped[str] = mapped_column(String(100), index=True)
    # The name the shop shows, without '#' (Shopify `name`, WooCommerce `number`).
    number: Mapped[str] = mapped_column(String(100), index=True)
    # The store's own order number (Shopify `order_number`), which people type as well.
    order_number: Mapped[str | None] = mapped_column(String(100), index=True)
    is_test: Mapped[bool] = mapped_column(default=False, server_default=false())
    # How far along its life the store says the order is: breaks ties between versions
    # dated the same second (a cancellation outranks a status change, which outranks pending).
    stage: Mapped[int] = mapped_column(default=0, server_default="0")
    customer: Mapped[str | None] = mapped_column(String(320))
    # Whom notices go to: None for orders without an email (they get none).
    customer_email: Mapped[str | None] = mapped_column(String(254))
    customer_first_name: Mapped[str | None] = mapped_column(String(100))
    notices_opt_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source_updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# The name in any case (`order 1166x01`), looked up when the exact name finds nothing.
Index("ix_orders_number_lower", func.lower(OrderRow.number))


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
    position: Mapped[int | None]  # 1, 2, 3... as the store lists the lines
    not_stock: Mapped[str | None] = mapped_column(String(20))  # recorded, never demand: why
    # The promised ship-by, set when the line is first seen waiting, and where it came from
    # (order | product | supplier | default).
    promised_by: Mapped[datetime | None] = mapped_column(UtcDateTime)
    promise_source: Mapped[str | None] = mapped_column(String(10))


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


__all__ = [
    "Base",
    "CounterRow",
    "CustomerChoiceRow",
    "CustomerNoticeRow",
    "DeliveryRow",
    "NoticeBatchRow",
    "OrderLineRow",
    "OrderRow",
    "OutboxChannelRow",
    "OutboxRow",
    "PeriodMarkRow",
    "PoEventRow",
    "PoLineRow",
    "ProductRow",
    "PurchaseOrderRow",
    "ReceiptLineRow",
    "ReceiptRow",
    "SlackEventRow",
    "StoreReconciliationRow",
    "StoredSecretRow",
    "SummaryQueueRow",
    "SupplierRow",
    "UtcDateTime",
]
