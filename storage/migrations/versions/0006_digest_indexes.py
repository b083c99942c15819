"""Indexes for the digest's week and a covering index for the backlog aggregates

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WAITING = sa.text("waiting_qty > 0")
CANCELLED = sa.text("cancelled_at IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_orders_received_at", "orders", ["received_at"])
    op.create_index(
        "ix_orders_cancelled_at",
        "orders",
        ["cancelled_at"],
        sqlite_where=CANCELLED,
        postgresql_where=CANCELLED,
    )
    op.drop_index("ix_order_lines_waiting_fifo", table_name="order_lines")
    op.create_index(
        "ix_order_lines_waiting_fifo",
        "order_lines",
        ["product_id", "placed_at", "id", "waiting_qty", "order_id"],
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )


def downgrade() -> None:
    op.drop_index("ix_order_lines_waiting_fifo", table_name="order_lines")
    op.create_index(
        "ix_order_lines_waiting_fifo",
        "order_lines",
        ["product_id", "placed_at", "id"],
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )
    op.drop_index("ix_orders_cancelled_at", table_name="orders")
    op.drop_index("ix_orders_received_at", table_name="orders")
