"""backordered units per line

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("backordered_qty", sa.Integer(), server_default="0", nullable=False)
        )
    # Lines from before this column: what waits now is the best known shortfall.
    op.execute("UPDATE order_lines SET backordered_qty = waiting_qty")


def downgrade() -> None:

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("backordered_qty")
