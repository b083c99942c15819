"""Customers in the loop: whom to tell (email, first name, opt-out), what each waiting line was
promised, catalog promise days, the notices sent and the Slack batches approving them, the
customers' choices, and secrets the bot keeps itself

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch: on SQLite a batch would copy `orders`, and dropping the old
    # copy fails while order lines refer to it. Orders kept before get no email: customers who
    # never heard of their backorder should not first hear of it as a delay.
    op.add_column("orders", sa.Column("customer_email", sa.String(length=254), nullable=True))
    op.add_column("orders", sa.Column("customer_first_name", sa.String(length=100), nullable=True))
    op.add_column("orders", sa.Column("notices_opt_out_at", sa.DateTime(), nullable=True))
    op.add_column("order_lines", sa.Column("promised_by", sa.DateTime(), nullable=True))
    op.add_column("order_lines", sa.Column("promise_source", sa.String(length=10), nullable=True))
    op.add_column("products", sa.Column("promise_days", sa.Integer(), nullable=True))
    op.add_column("suppliers", sa.Column("promise_days", sa.Integer(), nullable=True))
    _create_notice_batches()
    _create_customer_notices()
    _create_customer_choices()
    op.create_table(
        "stored_secrets",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_stored_secrets")),
    )


def _create_notice_batches() -> None:
    op.create_table(
        "notice_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("message_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=50), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_batches")),
    )


def _create_customer_notices() -> None:
    op.create_table(
        "customer_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("lines_key", sa.String(length=2000), nullable=False),
        sa.Column("about_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=50), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_customer_notices_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["notice_batches.id"],
            name=op.f("fk_customer_notices_batch_id_notice_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_notices")),
        sa.UniqueConstraint(
            "order_id",
            "kind",
            "lines_key",
            "about_date",
            name=op.f("uq_customer_notices_order_id"),
        ),
    )
    op.create_index("ix_customer_notices_order_id", "customer_notices", ["order_id"])
    op.create_index("ix_customer_notices_batch_id", "customer_notices", ["batch_id"])
    undated = sa.text("about_date IS NULL")
    op.create_index(
        "ix_customer_notices_one_undated",
        "customer_notices",
        ["order_id", "kind", "lines_key"],
        unique=True,
        sqlite_where=undated,
        postgresql_where=undated,
    )
    open_ = sa.text("status IN ('awaiting_approval', 'queued')")
    op.create_index(
        "ix_customer_notices_open",
        "customer_notices",
        ["status", "id"],
        sqlite_where=open_,
        postgresql_where=open_,
    )


def _create_customer_choices() -> None:
    op.create_table(
        "customer_choices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("choice", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("token_fingerprint", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_customer_choices_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["customer_notices.id"],
            name=op.f("fk_customer_choices_notice_id_customer_notices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_choices")),
    )
    op.create_index("ix_customer_choices_order_id", "customer_choices", ["order_id"])


def downgrade() -> None:
    op.drop_table("stored_secrets")
    op.drop_index("ix_customer_choices_order_id", table_name="customer_choices")
    op.drop_table("customer_choices")
    for index in (
        "ix_customer_notices_open",
        "ix_customer_notices_one_undated",
        "ix_customer_notices_batch_id",
        "ix_customer_notices_order_id",
    ):
        op.drop_index(index, table_name="customer_notices")
    op.drop_table("customer_notices")
    op.drop_table("notice_batches")
    for table in ("suppliers", "products"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("promise_days")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("promise_source")
        batch_op.drop_column("promised_by")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("notices_opt_out_at")
        batch_op.drop_column("customer_first_name")
        batch_op.drop_column("customer_email")
