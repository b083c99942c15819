"""Real databases for tests: a fresh SQLite file, or a private schema on a PostgreSQL server."""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from storage.db import Database, connect
from storage.migrate import upgrade
from storage.models import Base

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


def postgres_problem() -> str | None:
    """Why PostgreSQL can't be used here, or None when it can."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:
        return f"PostgreSQL not reachable at {POSTGRES_URL} ({type(error).__name__})"
    return None


def require_postgres() -> None:
    """Skip without PostgreSQL on a laptop; in CI (CI=true) a missing server is a failure."""
    problem = postgres_problem()
    if problem is None:
        return
    if IN_CI:
        pytest.fail(f"{problem}; CI must run the PostgreSQL tests", pytrace=False)
    pytest.skip(f"{problem}; set TEST_POSTGRES_URL to run these tests")


def postgres_schema_url(schema: str) -> str:
    """The test server's URL with `schema` first on the search path, created empty."""
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return f"{POSTGRES_URL}?options={quote(f'-csearch_path={schema}')}"


def migrated_postgres(schema: str) -> Database:
    database = connect(postgres_schema_url(schema))
    upgrade(database)
    return database


def empty_tables(database: Database) -> None:
    """Delete every row, so a test starts from an empty, migrated database."""
    tables = [t.name for t in Base.metadata.sorted_tables] + ["apscheduler_jobs"]
    names = ", ".join(f'"{name}"' for name in tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def migrated_sqlite(path: str) -> Database:
    database = connect(f"sqlite:///{path}")
    upgrade(database)
    return database
