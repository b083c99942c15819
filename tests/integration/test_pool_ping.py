"""A pooled PostgreSQL connection the server closed while it sat idle (a restart, a firewall)
is replaced before anyone uses it; one used moments ago is handed out without a round trip."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

import storage.db
from bot.facade import Backorders
from domain.errors import NotFound
from storage.db import Database, connect
from tests.support.builders import catalog, delivery, order
from tests.support.databases import POSTGRES_URL, empty_tables

pytestmark = pytest.mark.postgres


@pytest.fixture
def database(postgres_database: Database) -> Iterator[Database]:
    """The migrated test database, emptied, through a pool of its own, as a running bot holds
    one."""
    empty_tables(postgres_database)
    own = connect(postgres_database.url)
    yield own
    own.dispose()


def backend_of(database: Database) -> int:
    with database.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def close_from_the_server(pid: int) -> None:
    admin = create_engine(POSTGRES_URL)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_an_idle_connection_the_server_closed_is_replaced_before_an_order_uses_it(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = Backorders(database)
    shop.import_catalog(catalog(("TUBE", 3)))
    pooled = backend_of(database)
    close_from_the_server(pooled)
    monkeypatch.setattr(storage.db, "PING_IDLE_S", 0.0)  # it has been idle long enough
    answer = shop.ingest(delivery(order("1001", ("TUBE", 1))))
    assert answer.outcome.value == "applied"
    assert backend_of(database) != pooled
    assert shop.sku("TUBE").on_hand == 2


def test_a_connection_used_moments_ago_is_not_pinged(database: Database) -> None:
    pooled = backend_of(database)
    close_from_the_server(pooled)
    # Used a moment ago, so nobody checks it: the first use finds it closed, as SQLAlchemy's
    # optimistic handling expects, and the pool starts again with new connections.
    with pytest.raises(Exception, match=r"(?i)terminat|closed|connection"):
        backend_of(database)
    assert backend_of(database) != pooled
    with pytest.raises(NotFound):
        Backorders(database).order("nothing")
