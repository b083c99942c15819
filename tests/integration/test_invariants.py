"""Property test: random shop days keep stock, order lines and FIFO consistent after every step.

A hypothesis state machine drives `Backorders` on a small catalog (two suppliers, four SKUs,
case packs 1 and 6, no supplier email so an approval sends at once) with orders, store updates
and cancellations, Slack cancellations, catalog re-imports, purchase orders and receipts, and
checks with SQL after every step:

- no product's stock is negative;
- every order line has 0 <= allocated, 0 <= waiting, allocated + waiting <= quantity, and a
  placed line of an open order has allocated + waiting == quantity; a cancelled order holds
  nothing and waits for nothing;
- every unit is accounted for, per product: initial stock + re-imports' changes + receipts ==
  free stock + units allocated to order lines (the test keeps the expected totals);
- first-in, first-out: a product with free stock has no waiting line, and no line still waiting
  after a step is older (placed_at, id) than a line that got stock during that step;
- what a PO line received matches its receipt lines.

Each example runs on a fresh SQLite file (copied from one migrated template); a shorter run
does the same on PostgreSQL (skipped without a server, a failure in CI).
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text

from bot.config import parse_config
from bot.facade import Backorders
from domain.errors import DomainError
from domain.model import Catalog, Delivery, IncomingOrder, Product, Supplier
from domain.purchase_orders import Actor
from domain.services import Outcome
from storage.db import Database, connect
from storage.migrate import upgrade
from tests.support.builders import delivery, order
from tests.support.databases import empty_tables, migrated_postgres, require_postgres

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BOSS = Actor("U1", True)
SUPPLIERS = (Supplier("Acme", None, 5, 0), Supplier("Bolt", None, 3, 6))  # Bolt: early raise
SKUS = {"CHAIN": ("Acme", 1), "LIGHT": ("Acme", 6), "PUMP": ("Bolt", 1), "TUBE": ("Bolt", 6)}
SKU_NAMES = sorted(SKUS)
STOCK = st.integers(min_value=0, max_value=6)
FIRST_STOCK = st.integers(min_value=0, max_value=3)
QUANTITY = st.integers(min_value=1, max_value=5)

# Shrinking a failure replays the machine hundreds of times (minutes): off by default, so a
# failure is reported within the suite's timeout with the whole step log; INVARIANTS_SHRINK=1
# turns it on to get the minimal sequence.
PHASES = tuple(Phase) if os.environ.get("INVARIANTS_SHRINK") else tuple(set(Phase) - {Phase.shrink})
SQLITE_SETTINGS = settings(
    max_examples=80,
    stateful_step_count=30,
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow],
)
POSTGRES_SETTINGS = settings(
    max_examples=15,
    stateful_step_count=25,
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow],
)


def shop_catalog(on_hand: dict[str, int]) -> Catalog:
    """The test catalog with these stock levels."""
    products = tuple(
        Product(sku, f"Product {sku}", supplier, on_hand[sku], pack, Decimal("2.50"))
        for sku, (supplier, pack) in SKUS.items()
    )
    return Catalog(SUPPLIERS, products)


# Databases: a fresh one per example.


@cache
def sqlite_template() -> Path:
    """One migrated SQLite file, checkpointed so that a plain copy is the whole database."""
    folder = tempfile.mkdtemp(prefix="bb-invariants-")
    atexit.register(shutil.rmtree, folder, True)
    path = Path(folder) / "template.db"
    database = connect(f"sqlite:///{path}")
    upgrade(database)
    database.dispose()
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return path


class FreshSqlite:
    """A copy of the migrated template in its own directory, removed afterwards."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="bb-example-"))

    def open(self) -> Database:
        path = self.dir / "bot.db"
        shutil.copyfile(sqlite_template(), path)
        return connect(f"sqlite:///{path}")

    def close(self, database: Database) -> None:
        database.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)


class EmptiedPostgres:
    """The test's PostgreSQL schema, emptied for each example."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def open(self) -> Database:
        empty_tables(self.database)
        return self.database

    def close(self, database: Database) -> None:
        """The schema outlives the example; the test drops its engine at the end."""


# The model: what the test knows without asking the bot.


@dataclass
class KnownOrder:
    """An order as the store sees it, and whether anyone cancelled it."""

    number: str
    placed: datetime
    updated: datetime
    lines: dict[str, int]  # sku -> quantity, one line per SKU
    store_cancelled: bool = False
    slack_cancelled: bool = False
    deliveries: list[Delivery] = field(default_factory=list)
    cancelled_skus: set[str] = field(default_factory=set)  # lines cancelled in Slack

    @property
    def cancelled(self) -> bool:
        return self.store_cancelled or self.slack_cancelled

    def version(self, updated: datetime, cancelled: bool) -> IncomingOrder:
        lines = [(sku, qty) for sku, qty in self.lines.items()]
        return order(self.number, *lines, placed=self.placed, updated=updated, cancelled=cancelled)


@dataclass(frozen=True)
class LineRow:
    line_id: int
    order_id: int
    product_id: int | None
    quantity: int
    allocated: int
    waiting: int
    placed_at: str
    cancelled: bool

    @property
    def rank(self) -> tuple[str, int]:
        return (self.placed_at, self.line_id)


LINES_SQL = """
SELECT l.id, l.order_id, l.product_id, l.quantity, l.allocated_qty, l.waiting_qty,
       l.placed_at, o.cancelled_at IS NOT NULL
FROM order_lines l JOIN orders o ON o.id = l.order_id"""


def read_lines(database: Database) -> dict[int, LineRow]:
    """Every order line, by id (placed_at as a sortable ISO text on both databases)."""
    with database.reader.connect() as conn:
        rows = conn.execute(text(LINES_SQL)).all()
    lines = {}
    for row in rows:
        placed = row[6] if isinstance(row[6], str) else row[6].isoformat(sep=" ")
        lines[row[0]] = LineRow(row[0], row[1], row[2], row[3], row[4], row[5], placed, row[7])
    return lines


def read_scalars(database: Database, sql: str) -> dict[Any, int]:
    with database.reader.connect() as conn:
        return {key: int(value) for key, value in conn.execute(text(sql)).all()}


class ShopDays(RuleBasedStateMachine):
    """Random operations on one shop; the SQL invariants are checked after each of them."""

    make_database: Callable[[], Any] = FreshSqlite

    def __init__(self) -> None:
        super().__init__()
        self.opener = type(self).make_database()
        self.database: Database = self.opener.open()
        self.now = T0
        self.desk = Backorders(
            self.database,
            lambda: self.now,
            parse_config({"slack": {"channel": "C0PURCHASE"}}),
        )
        self.orders: dict[str, KnownOrder] = {}
        self.placed = T0
        self.expected: dict[str, int] = {}  # sku -> free stock + allocated, as the test counts
        self.received: dict[str, int] = dict.fromkeys(SKUS, 0)
        self.lines_before: dict[int, LineRow] = {}
        self.log: list[str] = []

    def teardown(self) -> None:
        self.opener.close(self.database)

    def tick(self) -> None:
        self.now += timedelta(minutes=1)

    # Setup and the store's webhooks.

    @initialize(stock=st.fixed_dictionaries({sku: FIRST_STOCK for sku in SKUS}))
    def import_first_catalog(self, stock: dict[str, int]) -> None:
        self.desk.import_catalog(shop_catalog(stock))
        self.expected = dict(stock)

    @rule(
        skus=st.lists(st.sampled_from(SKU_NAMES), min_size=1, max_size=3, unique=True),
        quantities=st.lists(QUANTITY, min_size=3, max_size=3),
        later=st.integers(min_value=0, max_value=2),
    )
    def new_order(self, skus: list[str], quantities: list[int], later: int) -> None:
        self.tick()
        self.placed += timedelta(minutes=later)
        number = str(1001 + len(self.orders))
        known = KnownOrder(
            number, self.placed, self.placed, dict(zip(skus, quantities, strict=False))
        )
        self.orders[number] = known
        self.send(known, known.version(known.placed, False), Outcome.APPLIED)

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), later=st.integers(min_value=1, max_value=3))
    def store_update(self, data: st.DataObject, later: int) -> None:
        known = self.pick_order(data)
        for sku in known.lines:
            known.lines[sku] = data.draw(st.integers(min_value=0, max_value=5), label=sku)
        known.updated += timedelta(minutes=later)
        self.tick()
        version = known.version(known.updated, known.store_cancelled)
        # A cancelled order (in the store or in Slack) stays cancelled: later versions are stale.
        self.send(known, version, Outcome.STALE if known.cancelled else Outcome.APPLIED)

    @precondition(lambda self: any(not o.store_cancelled for o in self.orders.values()))
    @rule(data=st.data(), later=st.integers(min_value=0, max_value=2))
    def store_cancellation(self, data: st.DataObject, later: int) -> None:
        known = self.pick_order(data, lambda o: not o.store_cancelled)
        stale = known.slack_cancelled  # already cancelled in Slack: nothing left to do
        known.updated += timedelta(minutes=later)
        known.store_cancelled = True
        self.tick()
        self.send(
            known, known.version(known.updated, True), Outcome.STALE if stale else Outcome.APPLIED
        )

    @precondition(lambda self: any(o.deliveries for o in self.orders.values()))
    @rule(data=st.data(), same_key=st.booleans())
    def store_replay(self, data: st.DataObject, same_key: bool) -> None:
        """A retried delivery (same key) or an old version (new key) changes nothing; the
        latest version sent again under a new key (stores date versions to the second, so it
        could be a new one) applies, and changes nothing either."""
        known = self.pick_order(data)
        old = data.draw(st.sampled_from(known.deliveries), label="delivery")
        self.tick()
        before = read_lines(self.database)
        again = old if same_key else delivery(old.order)
        self.log.append(f"replay #{known.number} same_key={same_key}")
        result = self.desk.ingest(again)
        latest = old is known.deliveries[-1] and not known.cancelled
        expected = {Outcome.DUPLICATE, Outcome.STALE} | ({Outcome.APPLIED} if latest else set())
        assert result.outcome in expected, result
        assert read_lines(self.database) == before

    def send(self, known: KnownOrder, version: IncomingOrder, outcome: Outcome) -> None:
        sent = delivery(version)
        self.log.append(
            f"ingest #{known.number} placed={version.placed_at:%H:%M} "
            f"updated={version.updated_at:%H:%M} cancelled={version.cancelled} {known.lines}"
        )
        result = self.desk.ingest(sent)
        assert result.outcome == outcome, result
        known.deliveries.append(sent)

    def pick_order(
        self, data: st.DataObject, wanted: Callable[[KnownOrder], bool] = lambda o: True
    ) -> KnownOrder:
        numbers = sorted(n for n, o in self.orders.items() if wanted(o))
        return self.orders[data.draw(st.sampled_from(numbers), label="order")]

    # Slack.

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def slack_cancel_order(self, data: st.DataObject) -> None:
        known = self.pick_order(data)
        self.tick()
        self.log.append(f"cancel_order({known.number!r})")
        if known.cancelled:
            with pytest.raises(DomainError, match="already cancelled"):
                self.desk.cancel_order(known.number)
            return
        self.desk.cancel_order(known.number)
        known.slack_cancelled = True

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def slack_cancel_line(self, data: st.DataObject) -> None:
        known = self.pick_order(data)
        sku = data.draw(st.sampled_from(sorted(known.lines)), label="sku")
        self.tick()
        self.log.append(f"cancel_order({known.number!r}, {sku!r})")
        if known.cancelled or sku in known.cancelled_skus:
            with pytest.raises(DomainError, match="already cancelled"):
                self.desk.cancel_order(known.number, sku)
            return
        self.desk.cancel_order(known.number, sku)
        known.cancelled_skus.add(sku)

    # Catalog and purchasing.

    @rule(stock=st.dictionaries(st.sampled_from(SKU_NAMES), STOCK, min_size=1, max_size=2))
    def reimport_catalog(self, stock: dict[str, int]) -> None:
        on_hand = self.on_hand_by_sku()
        self.tick()
        new = on_hand | stock
        self.log.append(f"import_catalog({new})")
        self.desk.import_catalog(shop_catalog(new))
        for sku, units in new.items():
            self.expected[sku] += units - on_hand[sku]

    @precondition(lambda self: self.someone_waits())
    @rule(supplier=st.sampled_from([s.name for s in SUPPLIERS]))
    def raise_and_approve(self, supplier: str) -> None:
        self.tick()
        self.log.append(f"raise_po({supplier!r}) + approve")
        try:
            proposal = self.desk.raise_po(supplier, "U1")
        except DomainError as error:
            assert "Nothing is waiting" in str(error)
            assert self.uncovered(supplier) == 0
            event("raise: nothing to order")
            return
        if not proposal.lines:
            event("raise: open proposal without lines")
            return  # an open proposal whose demand went away: nothing to approve
        sent = self.desk.approve_po(proposal.po_id, proposal.version, BOSS)
        assert sent.status == "sent" and sent.number
        event("raise: PO sent")

    @precondition(lambda self: self.has_sent_po())
    @rule(data=st.data(), close_rest=st.booleans())
    def receive(self, data: st.DataObject, close_rest: bool) -> None:
        sent = [view for view in self.desk.open_pos() if view.status == "sent"]
        po = data.draw(st.sampled_from(sent), label="po")
        quantities: dict[int, int] = {}
        for line in po.lines:
            if data.draw(st.booleans(), label=f"receive {line.sku}?"):
                units = st.integers(min_value=0, max_value=line.outstanding + 2)
                quantities[line.line_id or 0] = data.draw(units, label=line.sku)
        self.tick()
        self.log.append(f"receive_po({po.number}, {quantities}, close_rest={close_rest})")
        self.desk.receive_po(po.po_id, quantities, close_rest, BOSS)
        event(f"receive: close_rest={close_rest}")
        for line in po.lines:
            units = quantities.get(line.line_id or 0, 0)
            self.expected[line.sku] += units
            self.received[line.sku] += units

    def someone_waits(self) -> bool:
        with self.database.reader.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM order_lines WHERE waiting_qty > 0"))
            return found.first() is not None

    def has_sent_po(self) -> bool:
        with self.database.reader.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM purchase_orders WHERE status = 'sent'"))
            return found.first() is not None

    def uncovered(self, supplier: str) -> int:
        """The supplier's waiting units not already on an approved or sent PO."""
        sql = """
        SELECT COALESCE(SUM(w.units - COALESCE(o.units, 0)), 0)
        FROM (SELECT product_id, SUM(waiting_qty) AS units FROM order_lines
              WHERE waiting_qty > 0 GROUP BY product_id) w
        JOIN products p ON p.id = w.product_id
        JOIN suppliers s ON s.id = p.supplier_id
        LEFT JOIN (SELECT pl.product_id, SUM(pl.quantity - pl.received_qty) AS units
                   FROM po_lines pl JOIN purchase_orders po ON po.id = pl.po_id
                   WHERE po.status IN ('approved', 'sent') AND pl.quantity > pl.received_qty
                   GROUP BY pl.product_id) o ON o.product_id = w.product_id
        WHERE s.name = :name AND w.units > COALESCE(o.units, 0)"""
        with self.database.reader.connect() as conn:
            return int(conn.execute(text(sql), {"name": supplier}).scalar_one())

    def on_hand_by_sku(self) -> dict[str, int]:
        return read_scalars(self.database, "SELECT sku, on_hand FROM products")

    # The invariants, with SQL, after every step.

    @invariant()
    def stock_is_never_negative(self) -> None:
        on_hand = self.on_hand_by_sku()
        assert all(units >= 0 for units in on_hand.values()), on_hand

    @invariant()
    def lines_are_consistent(self) -> None:
        for line in read_lines(self.database).values():
            assert line.allocated >= 0 and line.waiting >= 0, self.explain(line)
            assert line.allocated + line.waiting <= line.quantity, self.explain(line)
            if line.cancelled:
                assert line.allocated == 0 and line.waiting == 0, self.explain(line)
            elif line.product_id is not None:
                assert line.allocated + line.waiting == line.quantity, self.explain(line)

    @invariant()
    def every_unit_is_accounted_for(self) -> None:
        if not self.expected:
            return  # before the first catalog import
        sql = """
        SELECT p.sku, p.on_hand + COALESCE(SUM(l.allocated_qty), 0)
        FROM products p LEFT JOIN order_lines l ON l.product_id = p.id
        GROUP BY p.sku, p.on_hand"""
        assert read_scalars(self.database, sql) == self.expected, self.log

    @invariant()
    def receipts_match_po_lines(self) -> None:
        by_line = """
        SELECT pl.id, pl.received_qty - COALESCE(SUM(rl.quantity), 0)
        FROM po_lines pl LEFT JOIN receipt_lines rl ON rl.po_line_id = pl.id
        GROUP BY pl.id, pl.received_qty"""
        assert all(diff == 0 for diff in read_scalars(self.database, by_line).values())
        per_sku = "SELECT sku, SUM(received_qty) FROM po_lines GROUP BY sku"
        received = dict.fromkeys(SKUS, 0) | read_scalars(self.database, per_sku)
        assert received == self.received

    @invariant()
    def free_stock_means_nobody_waits(self) -> None:
        sql = """
        SELECT p.sku, SUM(l.waiting_qty) FROM products p
        JOIN order_lines l ON l.product_id = p.id
        WHERE p.on_hand > 0 AND l.waiting_qty > 0 GROUP BY p.sku"""
        assert read_scalars(self.database, sql) == {}, self.log

    @invariant()
    def stock_went_first_in_first_out(self) -> None:
        """No line still waiting is older than a line that got stock in the last step."""
        after = read_lines(self.database)
        gained = [
            line
            for line in after.values()
            if line.product_id is not None
            and line.allocated > self.lines_before.get(line.line_id, _NOTHING).allocated
        ]
        for got in gained:
            for line in after.values():
                if line.product_id != got.product_id or not line.waiting:
                    continue
                assert line.line_id == got.line_id or got.rank < line.rank, (
                    f"line {line} still waits, older than {got}",
                    self.log,
                )
        self.lines_before = after

    def explain(self, line: LineRow) -> tuple[LineRow, list[str]]:
        return line, self.log


_NOTHING = LineRow(0, 0, None, 0, 0, 0, "", False)


def test_shop_days_keep_the_invariants_on_sqlite() -> None:
    run_state_machine_as_test(ShopDays, settings=SQLITE_SETTINGS)


@pytest.fixture
def postgres_schema() -> Iterator[Database]:
    require_postgres()
    database = migrated_postgres(f"bb_invariants_{os.getpid()}")
    yield database
    database.dispose()


@pytest.mark.postgres
def test_shop_days_keep_the_invariants_on_postgres(postgres_schema: Database) -> None:
    class OnPostgres(ShopDays):
        make_database = staticmethod(lambda: EmptiedPostgres(postgres_schema))  # type: ignore[assignment]

    run_state_machine_as_test(OnPostgres, settings=POSTGRES_SETTINGS)


def test_a_store_version_after_a_slack_cancellation_changes_nothing(database: Database) -> None:
    """The first sequence this machine found: the order's stock was taken back by the update."""
    desk = Backorders(database, lambda: T0, parse_config({"slack": {"channel": "C0PURCHASE"}}))
    desk.import_catalog(shop_catalog({"CHAIN": 2, "LIGHT": 0, "PUMP": 0, "TUBE": 0}))
    desk.ingest(delivery(order("1001", ("CHAIN", 1), ("LIGHT", 1), placed=T0)))
    desk.cancel_order("1001")
    later = T0 + timedelta(minutes=1)
    update = desk.ingest(delivery(order("1001", ("CHAIN", 1), ("LIGHT", 1), updated=later)))
    [status] = desk.order("1001")
    assert update.outcome == Outcome.STALE and status.cancelled
    assert [(line.allocated, line.waiting) for line in status.lines] == [(0, 0), (0, 0)]
    assert desk.sku("CHAIN").on_hand == 2
