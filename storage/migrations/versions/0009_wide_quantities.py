"""Quantities that add up across orders are 64-bit: a PO line summing many 100,000-unit lines
overflowed PostgreSQL's integer and stopped the weekly deadline for every supplier

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

WIDENED = (
    ("products", "on_hand"),
    ("po_lines", "demand"),
    ("po_lines", "quantity"),
    ("po_lines", "received_qty"),
    ("receipt_lines", "quantity"),
)


def upgrade() -> None:
    # SQLite's INTEGER is already 64-bit: only PostgreSQL's columns change.
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in WIDENED:
        op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in WIDENED:
        op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
