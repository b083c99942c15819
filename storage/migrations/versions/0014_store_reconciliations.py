"""How far reconciliation has read each store's orders, so the next run starts there

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_reconciliations",
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("read_to", sa.DateTime(), nullable=False),
        sa.Column("ran_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_store_reconciliations")),
    )


def downgrade() -> None:
    op.drop_table("store_reconciliations")
