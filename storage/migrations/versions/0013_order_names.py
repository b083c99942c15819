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
    with op.batch_alter_table("orders", schema=None) as batch_op:
        # `number` now holds the name the shop shows (Shopify `name` without '#'); the store's
        # own order number, which people type too, is kept here.
        batch_op.add_column(sa.Column("order_number", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("is_test", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("stage", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index("ix_orders_order_number", ["order_number"], unique=False)
    # Orders from before: their stored number was the order number and is their name.
    op.execute("UPDATE orders SET order_number = number")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("not_stock", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("not_stock")
        batch_op.drop_column("position")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_order_number")
        batch_op.drop_column("stage")
        batch_op.drop_column("is_test")
        batch_op.drop_column("order_number")
