"""Migration 0015 on SQLite and PostgreSQL: orders kept before stay as they were (no email, so no
notice; no promise yet), a notice of one kind for the same lines and date is refused the second
time, the schema is the models' schema, and the migration goes down and up again."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import Database, connect
from storage.migrate import _config, upgrade
from storage.models import Base
from tests.support.databases import postgres_schema_url, require_postgres

OLD_ORDER = """
INSERT INTO orders (source, external_id, number, customer, placed_at, source_updated_at,
                    received_at)
VALUES ('shopify', '820982911946154508', '#1166', 'bob@example.com', '2026-11-02 09:00:00',
        '2026-11-02 09:00:00', '2026-11-02 09:00:01')"""
NOTICE = """
INSERT INTO customer_notices (order_id, kind, lines_key, about_date, status, created_at)
VALUES (1, 'delayed', '3,7', {about}, 'awaiting_approval', '2026-12-04 10:00:00')"""


def at_0014(kind: str, tmp_path: Path) -> Database:
    if kind == "postgresql":
        require_postgres()
        database = connect(postgres_schema_url("bb_migration_0015"))
    else:
        database = connect(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(database, "0014")
    return database


def downgrade(database: Database, revision: str) -> None:
    config = _config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


NEW_TABLES = {"customer_notices", "customer_choices", "notice_batches", "stored_secrets"}
NEW_COLUMNS = {"customer_email", "customer_first_name", "notices_opt_out_at", "promised_by"}
NEW_COLUMNS |= {"promise_source", "promise_days"}


def _about_customers(change: object) -> bool:
    """A difference in what 0015 adds (other tables differ only in SQLite's integer names)."""
    words = repr(change)
    return any(name in words for name in NEW_TABLES | NEW_COLUMNS)


KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("kind", KINDS)
def test_orders_kept_before_have_no_email_to_notify_and_no_promise(
    kind: str, tmp_path: Path
) -> None:
    database = at_0014(kind, tmp_path)
    with database.engine.begin() as conn:
        conn.execute(text(OLD_ORDER))
    upgrade(database)
    with database.engine.connect() as conn:
        order = conn.execute(
            text(
                "SELECT customer, customer_email, customer_first_name, notices_opt_out_at"
                " FROM orders"
            )
        ).one()
    assert tuple(order) == ("bob@example.com", None, None, None)
    database.engine.dispose()


@pytest.mark.parametrize("about", ["'2026-12-20'", "NULL"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_second_notice_of_one_kind_for_the_same_lines_and_date_is_refused(
    kind: str, about: str, tmp_path: Path
) -> None:
    database = at_0014(kind, tmp_path)
    upgrade(database)
    with database.engine.begin() as conn:
        conn.execute(text(OLD_ORDER))
        conn.execute(text(NOTICE.format(about=about)))
    with pytest.raises(IntegrityError), database.engine.begin() as conn:
        conn.execute(text(NOTICE.format(about=about)))
    with database.engine.begin() as conn:  # another date is another notice
        conn.execute(text(NOTICE.format(about="'2026-12-27'")))
    database.engine.dispose()


@pytest.mark.parametrize("kind", KINDS)
def test_the_migrated_schema_is_the_models_and_goes_down_and_up_again(
    kind: str, tmp_path: Path
) -> None:
    database = at_0014(kind, tmp_path)
    upgrade(database)
    downgrade(database, "0014")
    with database.engine.connect() as conn:
        tables = set(database.engine.dialect.get_table_names(conn))
    assert "customer_notices" not in tables
    upgrade(database)
    with database.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [change for change in differences if _about_customers(change)] == []
    database.engine.dispose()
