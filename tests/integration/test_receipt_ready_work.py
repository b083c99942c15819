"""A receipt that lets many orders ship names the first few and counts the rest; the counted
ones' lines are only summed in SQL, not fetched. Work is counted as SQLite counts it
(virtual machine steps, not time); the message and its facts are checked on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import parse_config
from bot.facade import Backorders
from domain.fulfilment import MAX_LISTED
from domain.model import Catalog, Product, Supplier
from domain.notifications import ORDERS_READY
from domain.purchase_orders import Actor
from storage.db import Database
from tests.integration.test_answer_work import Work
from tests.support.builders import delivery, order
from tests.support.databases import migrated_sqlite
from tests.support.notices import queued

T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BOSS = Actor("U1", True)
COUNTED = 10  # ready orders beyond the named ones
OTHER_LINES = 30  # lines of other, stocked products on each counted order
ROOM = 1.5  # reading every line of the counted orders multiplied it by almost 3

# SQLite counts the steps of each statement (a measure of work, not time); PostgreSQL runs
# the same statements and has no such counter, so these run on SQLite only.
SQLITE_ONLY = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


@pytest.fixture
def work(database: Database) -> Work:
    assert database.engine.dialect.name == "sqlite", "SQLITE_ONLY: PostgreSQL counts no steps"
    return Work(database)


def _desk(database: Database, other_lines: int) -> tuple[Backorders, int, int]:
    """Orders waiting for a chain each, the newest with more, already packed, lines; a sent
    PO for every chain. Returns the desk, the PO and its chain line."""
    desk = Backorders(database, lambda: T, parse_config({"slack": {"channel": "C0PURCHASE"}}))
    others = tuple(
        Product(f"PART-{n:02}", f"Part {n}", "Acme", 1000, 1, Decimal("1"))
        for n in range(other_lines)
    )
    chain = Product("CHAIN", "Chain", "Acme", 0, 1, Decimal("10"))
    desk.import_catalog(Catalog((Supplier("Acme", None, 5, 0),), (chain, *others)))
    for n in range(MAX_LISTED + COUNTED):
        parts = [(p.sku, 1) for p in others] if n >= MAX_LISTED else []
        placed = T + timedelta(minutes=n)
        desk.ingest(delivery(order(f"{1001 + n}", ("CHAIN", 1), *parts, placed=placed)))
    return (desk, *_approved_chain_po(desk))


def _approved_chain_po(desk: Backorders) -> tuple[int, int]:
    """Acme's PO raised and approved: its id and its CHAIN line's id."""
    po = desk.raise_po("Acme", "U1")
    po_id = desk.approve_po(po.po_id, po.version, BOSS).po_id
    view = desk.po(po_id)
    assert view is not None
    line = next(line.line_id for line in view.lines if line.sku == "CHAIN")
    assert line is not None
    return po_id, line


def _ready_news(database: Database) -> dict[str, object]:
    (news,) = [m.payload for m in queued(database) if m.kind == ORDERS_READY]
    return news


def test_the_ready_message_names_the_first_orders_and_counts_the_rest(
    database: Database,
) -> None:
    desk, po_id, line = _desk(database, OTHER_LINES)
    result = desk.receive_po(po_id, {line: MAX_LISTED + COUNTED}, False, BOSS)

    numbers = [f"{1001 + n}" for n in range(MAX_LISTED + COUNTED)]
    assert [o.number for o in result.ready] == numbers
    news = _ready_news(database)
    assert news["orders"] == numbers
    text = str(news["text"]).split("\n")
    assert text[0] == f"🚚 {MAX_LISTED + COUNTED} orders ready to ship:"
    assert text[1] == "Order #1001 is ready to ship: pack CHAIN x1."
    assert text[MAX_LISTED] == f"Order #{1000 + MAX_LISTED} is ready to ship: pack CHAIN x1."
    assert text[MAX_LISTED + 1 :] == [f"…and {COUNTED} more"]


@SQLITE_ONLY
def test_the_counted_orders_lines_are_not_read(
    database: Database, work: Work, tmp_path: Path
) -> None:
    desk, po_id, line = _desk(database, 0)
    plain, _ = work.of(lambda: desk.receive_po(po_id, {line: MAX_LISTED + COUNTED}, False, BOSS))

    crowded_db = migrated_sqlite(str(tmp_path / "crowded.db"))
    try:
        desk, po_id, line = _desk(crowded_db, OTHER_LINES)
        crowded, result = Work(crowded_db).of(
            lambda: desk.receive_po(po_id, {line: MAX_LISTED + COUNTED}, False, BOSS)
        )
        assert len(result.ready) == MAX_LISTED + COUNTED
        assert len(str(_ready_news(crowded_db)["text"]).split("\n")) == MAX_LISTED + 2
    finally:
        crowded_db.dispose()
    assert crowded <= plain * ROOM, (plain, crowded)


def test_under_the_complete_policy_an_order_still_waiting_for_a_line_is_not_ready(
    database: Database,
) -> None:
    config = {"slack": {"channel": "C0PURCHASE"}, "fulfilment": {"ship_policy": "complete"}}
    desk = Backorders(database, lambda: T, parse_config(config))
    chain = Product("CHAIN", "Chain", "Acme", 0, 1, Decimal("10"))
    light = Product("LIGHT", "Light", "Acme", 0, 1, Decimal("5"))
    desk.import_catalog(Catalog((Supplier("Acme", None, 5, 0),), (chain, light)))
    desk.ingest(delivery(order("1001", ("CHAIN", 1), ("LIGHT", 2), placed=T)))
    desk.ingest(delivery(order("1002", ("CHAIN", 3), placed=T + timedelta(minutes=1))))
    po_id, line = _approved_chain_po(desk)

    result = desk.receive_po(po_id, {line: 4}, False, BOSS)

    assert result.went_to == {"CHAIN": [("1001", 1), ("1002", 3)]}
    assert [o.number for o in result.ready] == ["1002"]  # 1001 still waits for 2 lights
    news = _ready_news(database)
    assert news == {
        "orders": ["1002"],
        "text": "🚚 1 order ready to ship:\nOrder #1002 is ready to ship: pack CHAIN x3.",
    }
