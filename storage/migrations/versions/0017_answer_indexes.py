"""Indexes the `/backorders` answers read by: an order typed by its store id or in another case
(each a scan of every order before), and the expiry of Slack replay claims (each command's
claim deleted the expired ones by scanning every kept event)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_orders_external_id", "orders", ["external_id"], unique=False)
    op.create_index("ix_orders_number_lower", "orders", [sa.text("lower(number)")], unique=False)
    op.create_index("ix_slack_events_received_at", "slack_events", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_slack_events_received_at", table_name="slack_events")
    op.drop_index("ix_orders_number_lower", table_name="orders")
    op.drop_index("ix_orders_external_id", table_name="orders")
