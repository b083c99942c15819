"""What one `/backorders` answer reads does not grow with what it is not about: an order's
answer with its own suppliers' lines, not every supplier's; an order typed by its store id
through an index, not past every order; a command's replay claim without passing every kept
Slack event. Work is counted as SQLite counts it (virtual machine steps, a number that does not
depend on how busy the machine is), against the same answer before the rest was added; the
answers themselves must not change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from bot.config import parse_config
from bot.facade import Backorders
from domain.model import Catalog, Product, Supplier
from handlers.commands import Ask, answer
from storage.db import Database
from storage.events import SqlSeenEvents
from storage.slack_replays import SlackReplays
from storage.tx import SqlTx
from tests.support.builders import T0, delivery, order

STEPS = 1  # SQLite virtual machine steps per count
OTHERS = 300  # suppliers (each with a waiting product) or orders the answer is not about
# Generous: the answers read nothing of the others, so their work stays within noise of
# bookkeeping (statement texts and plans do not change); reading the others multiplied it.
ROOM = 1.25

# SQLite counts the steps of each statement (a measure of work, not time); PostgreSQL runs
# the same statements and has no such counter, so these run on SQLite only.
SQLITE_ONLY = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


class Work:
    """SQLite steps run by statements on `database` while counting."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.ticks = 0
        self.counting = False

    def _tick(self) -> int:
        if self.counting:
            self.ticks += 1
        return 0  # go on

    def _watch(self, conn: Any, *_: Any) -> None:
        conn.connection.driver_connection.set_progress_handler(self._tick, STEPS)

    @contextmanager
    def counted(self) -> Iterator[None]:
        event.listen(self.database.engine, "before_cursor_execute", self._watch)
        self.ticks, self.counting = 0, True
        try:
            yield
        finally:
            self.counting = False
            event.remove(self.database.engine, "before_cursor_execute", self._watch)

    def of(self, run: Any) -> tuple[int, Any]:
        with self.counted():
            result = run()
        return self.ticks, result


@pytest.fixture
def work(database: Database) -> Work:
    assert database.engine.dialect.name == "sqlite", "SQLITE_ONLY: PostgreSQL counts no steps"
    return Work(database)


def _desk(database: Database) -> Backorders:
    config = parse_config({"slack": {"channel": "C0PURCHASE"}, "timezone": "UTC"})
    return Backorders(database, lambda: T0 + timedelta(days=1), config)


def _catalog(suppliers: int) -> Catalog:
    names = ["Acme", *(f"Other {n:03}" for n in range(suppliers))]
    return Catalog(
        tuple(Supplier(name, None, 5, 0) for name in names),
        tuple(
            Product(f"SKU-{n:03}", f"Item {n}", name, 0, 1, Decimal("10"))
            for n, name in enumerate(names)
        ),
    )


def _said(desk: Backorders, text: str) -> tuple[str, list[Any]]:
    message = answer(desk, Ask.parse(text))
    return message.text, message.blocks


@SQLITE_ONLY
def test_an_order_reads_its_own_suppliers_whatever_others_wait_for(
    database: Database, work: Work
) -> None:
    desk = _desk(database)
    desk.import_catalog(_catalog(OTHERS))
    desk.ingest(delivery(order("2001", ("SKU-000", 2))))  # Acme's product
    _said(desk, "order 2001")  # statements compiled once
    alone, told = work.of(lambda: _said(desk, "order 2001"))

    everyone = [(f"SKU-{n:03}", 1) for n in range(1, OTHERS + 1)]
    desk.ingest(delivery(order("3001", *everyone, placed=T0 + timedelta(hours=1))))
    crowded, told_now = work.of(lambda: _said(desk, "order 2001"))

    assert told_now == told  # the same expected date, with or without the others
    assert "*When*" in str(told[1])  # its expected date is shown
    assert crowded <= alone * ROOM, (alone, crowded)


@SQLITE_ONLY
def test_an_order_typed_by_its_store_id_is_found_without_reading_every_order(
    database: Database, work: Work
) -> None:
    desk = _desk(database)
    desk.import_catalog(_catalog(1))
    desk.ingest(delivery(order("2001", ("SKU-000", 1))))
    _said(desk, "order ext-2001")
    alone, told = work.of(lambda: _said(desk, "order ext-2001"))

    for n in range(OTHERS):
        desk.ingest(delivery(order(f"5{n:03}", ("SKU-001", 1))))  # another product
    crowded, told_now = work.of(lambda: _said(desk, "order ext-2001"))

    assert told_now == told
    assert "2001" in told[0]
    assert crowded <= alone * ROOM, (alone, crowded)


@SQLITE_ONLY
def test_a_commands_replay_claim_does_not_pass_every_kept_event(
    database: Database, work: Work
) -> None:
    replays = SlackReplays(database)
    assert replays.claim("c:first", T0)
    alone, claimed = work.of(lambda: replays.claim("c:second", T0))
    assert claimed

    with database.engine.begin() as conn:  # Events API deliveries kept beside the claims
        seen = SqlSeenEvents(SqlTx(conn))
        for n in range(OTHERS * 10):
            assert seen.first_time(f"Ev{n:05}", T0)
    crowded, claimed = work.of(lambda: replays.claim("c:third", T0))

    assert claimed and not replays.claim("c:third", T0 + timedelta(minutes=4))
    assert crowded <= alone * ROOM, (alone, crowded)
