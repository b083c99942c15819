"""Each receipt remembers the form submission it came from, so the same one applies once

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission", sa.String(100), nullable=True))
        batch_op.create_unique_constraint("uq_receipts_submission", ["submission"])


def downgrade() -> None:
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_receipts_submission", type_="unique")
        batch_op.drop_column("submission")
