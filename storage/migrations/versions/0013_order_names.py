"""Orders as people know them: the store's order number beside the name the shop shows, test
orders kept apart, a tie-breaker for versions dated the same second; lines named by position
and recorded (never backordered) when they are not stock

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch: on SQLite a batch would copy `orders`, and dropping the old
    # copy fails while order lines refer to it.
    # `number` now holds the name the shop shows (Shopify `name` without '#'); the store's own
    # order number, which people type too, is kept in `order_number`.
    op.add_column("orders", sa.Column("order_number", sa.String(length=100), nullable=True))
    op.add_column(
        "orders", sa.Column("is_test", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("orders", sa.Column("stage", sa.Integer(), server_default="0", nullable=False))
    op.create_index("ix_orders_order_number", "orders", ["order_number"], unique=False)
    # Orders from before: their stored number was the order number and is their name.
    op.execute("UPDATE orders SET order_number = number")
    op.add_column("order_lines", sa.Column("position", sa.Integer(), nullable=True))
    op.add_column("order_lines", sa.Column("not_stock", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("not_stock")
        batch_op.drop_column("position")
    op.drop_index("ix_orders_order_number", table_name="orders")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("stage")
        batch_op.drop_column("is_test")
        batch_op.drop_column("order_number")
