"""Shared fixtures: every storage and end-to-end test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bot.web.refusals import REFUSALS
from storage.db import Database
from tests.support.databases import (
    empty_tables,
    migrated_postgres,
    migrated_sqlite,
    require_postgres,
)


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk honours HTTP(S)_PROXY but not NO_PROXY: loopback calls must not leave."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def console_leaves_nothing_in_the_project(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A console started by a test saves files and history in a temporary folder."""
    home = tmp_path_factory.mktemp("console")
    monkeypatch.setenv("BACKORDER_CONSOLE_FILES", str(home / "console-files"))
    monkeypatch.setenv("BACKORDER_CONSOLE_HISTORY", str(home / "history"))


@pytest.fixture(autouse=True)
def every_refusal_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process-wide allowance of refusal lines would run out across tests that read them;
    tests/unit/test_refusals.py checks the allowance itself."""
    monkeypatch.setattr(REFUSALS, "per_minute", 10**9)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Database]:
    require_postgres()
    database = migrated_postgres(f"bb_test_{os.getpid()}")
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """An empty, migrated database of each kind."""
    if request.param == "postgresql":
        pg: Database = request.getfixturevalue("postgres_database")
        empty_tables(pg)
        yield pg
        return
    path = tmp_path_factory.mktemp("db") / "bot.db"
    sqlite = migrated_sqlite(str(path))
    yield sqlite
    sqlite.dispose()
