"""period marks and the scheduler's job store

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # APScheduler's SQLAlchemyJobStore table, as it defines it, created here so a PostgreSQL
    # deploy needs no DDL rights at run time (the job store only creates it if missing).
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25), index=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
    )

    op.create_table(
        "period_marks",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_period_marks")),
    )


def downgrade() -> None:
    op.drop_table("apscheduler_jobs")

    op.drop_table("period_marks")
