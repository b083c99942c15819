"""Orders that arrive while another is written share one commit on SQLite
(storage.group_commit): each caller still gets its own answer, an order that fails loses only
itself, and nobody is told "stored" by a commit that did not happen. On PostgreSQL each order
is its own transaction, in parallel: one waiting on a row lock holds up no other."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Connection

from bot.facade import Backorders
from domain.errors import NotFound
from domain.services import Outcome
from storage.db import Database
from storage.group_commit import NotStored, WouldWaitForItself
from storage.unit_of_work import SqlUnitOfWork
from tests.support.builders import T0, catalog, delivery, minutes, order

WAIT_S = 30  # a bound for a broken test, never reached by a working one
SQLITE_ONLY = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


class Held:
    """A use case that holds the commit open until told to go: whatever arrives meanwhile
    queues for the next commit, which the test then sees written as one."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.go = threading.Event()

    def __call__(self, conn: Connection) -> None:
        self.started.set()
        assert self.go.wait(WAIT_S)


@pytest.fixture
def shop(database: Database) -> Backorders:
    backorders = Backorders(database, clock=lambda: T0 + minutes(30))
    backorders.import_catalog(catalog(("TUBE", 3), ("LIGHT", 10)))
    return backorders


def queue_behind(shop: Backorders, *calls: Callable[[], Any]) -> list[Future[Any]]:
    """Hold a commit open, queue every call behind it, then let it go: the calls' futures."""
    held = Held()
    pool = ThreadPoolExecutor(max_workers=len(calls) + 1)
    pool.submit(shop.ingest_commits.run, held)
    assert held.started.wait(WAIT_S)
    followers = []
    for call in calls:
        followers.append(pool.submit(call))
        wait_for_queue(shop, len(followers))
    held.go.set()
    pool.shutdown(wait=True)
    return followers


def wait_for_queue(shop: Backorders, count: int) -> None:
    pause = threading.Event()
    for _ in range(WAIT_S * 1000):
        if shop.ingest_commits.queued == count:
            return
        pause.wait(0.001)
    raise AssertionError(f"{count} calls never queued for the commit")


def failing_after_writing(shop: Backorders, number: str) -> Callable[[], None]:
    """An order whose use case breaks half-way (a bug, a lost connection): its delivery and
    order rows are written inside its savepoint, then it raises."""

    def work(conn: Connection) -> None:
        with SqlUnitOfWork(shop.database, within=conn) as uow:
            incoming = order(number, ("TUBE", 1))
            uow.deliveries.record(delivery(incoming, key=f"key-{number}"), T0)
            uow.orders.claim(incoming, T0)
            raise RuntimeError("the use case broke half-way")

    return lambda: shop.ingest_commits.run(work)


@SQLITE_ONLY
def test_orders_queued_behind_a_commit_are_each_answered_and_stored(shop: Backorders) -> None:
    calls = [
        lambda n=n: shop.ingest(delivery(order(n, ("TUBE", 2))))  # type: ignore[misc]
        for n in ("1001", "1002", "1003")
    ]
    answers = [f.result() for f in queue_behind(shop, *calls)]
    assert [(a.order_number, a.outcome) for a in answers] == [
        ("1001", Outcome.APPLIED),
        ("1002", Outcome.APPLIED),
        ("1003", Outcome.APPLIED),
    ]
    assert [a.newly_waiting for a in answers] == [0, 1, 2]  # in the order they arrived
    assert shop.sku("TUBE").waiting_units == 3


@SQLITE_ONLY
def test_an_order_that_fails_in_a_shared_commit_loses_only_itself(shop: Backorders) -> None:
    first, broken, last = queue_behind(
        shop,
        lambda: shop.ingest(delivery(order("1001", ("LIGHT", 1)))),
        failing_after_writing(shop, "1002"),
        lambda: shop.ingest(delivery(order("1003", ("LIGHT", 2)))),
    )
    with pytest.raises(RuntimeError, match="half-way"):
        broken.result()
    assert first.result().outcome is Outcome.APPLIED
    assert last.result().outcome is Outcome.APPLIED
    assert shop.sku("LIGHT").on_hand == 7
    with pytest.raises(NotFound):
        shop.order("1002")
    # Nothing of it was kept, so the store's retry of the same delivery is applied, not a repeat.
    retry = shop.ingest(delivery(order("1002", ("TUBE", 1)), key="key-1002"))
    assert retry.outcome is Outcome.APPLIED


def breaks_at_commit(conn: Connection) -> None:
    """Writes that are fine until the transaction commits: a deferred foreign key to nothing."""
    with conn.begin_nested():  # its own savepoint, released, as a use case's is
        conn.exec_driver_sql("CREATE TEMP TABLE parents (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql(
            "CREATE TEMP TABLE children (parent_id INTEGER "
            "REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)"
        )
        conn.exec_driver_sql("INSERT INTO children (parent_id) VALUES (42)")


@SQLITE_ONLY
def test_nobody_is_told_stored_when_the_shared_commit_fails(shop: Backorders) -> None:
    answers = queue_behind(
        shop,
        lambda: shop.ingest(delivery(order("1001", ("LIGHT", 1)), key="k-1001")),
        lambda: shop.ingest_commits.run(breaks_at_commit),
        lambda: shop.ingest(delivery(order("1002", ("TUBE", 5)), key="k-1002")),
    )
    for answer in answers:
        with pytest.raises(NotStored, match=r"(?i)foreign key"):
            answer.result()
    for number in ("1001", "1002"):
        with pytest.raises(NotFound):
            shop.order(number)
    assert shop.sku("LIGHT").on_hand == 10 and shop.sku("TUBE").on_hand == 3
    # The failed transaction left nothing behind: the store's retry is applied.
    resent = shop.ingest(delivery(order("1001", ("LIGHT", 1)), key="k-1001"))
    assert resent.outcome is Outcome.APPLIED


@SQLITE_ONLY
def test_a_write_whose_commit_fails_leaves_the_database_writable(shop: Backorders) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign key"), shop._writer() as uow:
        breaks_at_commit(uow.tx.conn)
        uow.commit()
    for n in range(3):  # every pooled connection, not only a fresh one, can write again
        shop.ingest(delivery(order(f"100{n}", ("LIGHT", 1))))
    assert shop.sku("LIGHT").on_hand == 7


@SQLITE_ONLY
def test_an_update_and_its_order_queued_together_apply_in_turn(shop: Backorders) -> None:
    first = delivery(order("1001", ("TUBE", 5)))
    update = delivery(order("1001", ("TUBE", 1), updated=T0 + minutes(1)))
    answers = queue_behind(shop, lambda: shop.ingest(first), lambda: shop.ingest(update))
    assert [a.result().outcome for a in answers] == [Outcome.APPLIED, Outcome.APPLIED]
    [status] = shop.order("1001")
    assert [(line.quantity, line.allocated, line.waiting) for line in status.lines] == [(1, 1, 0)]
    assert shop.sku("TUBE").on_hand == 2


def ends_the_transaction(conn: Connection) -> None:
    """A use case during which SQLite rolled the whole transaction back (it does so on a full
    disk or an I/O error), after the orders before it in the batch were written."""
    conn.connection.dbapi_connection.execute("ROLLBACK")  # type: ignore[union-attr]


@SQLITE_ONLY
def test_when_the_shared_transaction_is_lost_midway_nobody_is_told_stored(shop: Backorders) -> None:
    before, lost, after = queue_behind(
        shop,
        lambda: shop.ingest(delivery(order("1001", ("LIGHT", 1)), key="k-1001")),
        lambda: shop.ingest_commits.run(ends_the_transaction),
        lambda: shop.ingest(delivery(order("1002", ("LIGHT", 2)), key="k-1002")),
    )
    for answer in (before, lost, after):
        with pytest.raises(NotStored):
            answer.result()
    for number in ("1001", "1002"):
        with pytest.raises(NotFound):
            shop.order(number)
    assert shop.sku("LIGHT").on_hand == 10
    assert shop.ingest(delivery(order("1001", ("LIGHT", 1)), key="k-1001")).outcome.value == (
        "applied"
    )


@SQLITE_ONLY
def test_a_use_case_inside_a_group_commit_cannot_start_another(shop: Backorders) -> None:
    def nested(conn: Connection) -> None:
        shop.ingest(delivery(order("1001", ("LIGHT", 1))))

    with pytest.raises(WouldWaitForItself):
        shop.ingest_commits.run(nested)
    assert shop.ingest(delivery(order("1002", ("LIGHT", 1)))).outcome.value == "applied"


@pytest.mark.parametrize(
    "database", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_on_postgresql_an_order_waiting_on_a_lock_holds_up_no_other(
    shop: Backorders, database: Database
) -> None:
    assert shop.ingest_commits is None
    blocker = database.engine.connect()
    blocker.exec_driver_sql("SELECT id FROM products WHERE sku = 'TUBE' FOR UPDATE")
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        stuck = pool.submit(shop.ingest, delivery(order("1001", ("TUBE", 1))))
        free = pool.submit(shop.ingest, delivery(order("1002", ("LIGHT", 1))))
        assert free.result(timeout=WAIT_S).outcome is Outcome.APPLIED
        assert not stuck.done()  # still waiting for TUBE's row while LIGHT's order went through
    finally:
        blocker.rollback()
        blocker.close()
        pool.shutdown(wait=True)
    assert stuck.result().outcome is Outcome.APPLIED
    assert shop.sku("TUBE").on_hand == 2 and shop.sku("LIGHT").on_hand == 9


@pytest.mark.parametrize(
    "database", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_on_postgresql_an_order_locks_its_products_and_never_their_supplier(
    shop: Backorders, database: Database
) -> None:
    """The stock lock reads each product's supplier (for its promise days) without locking it:
    a catalog import or a person holding the supplier's row holds up no order."""
    holder = database.engine.connect()
    holder.exec_driver_sql("SELECT id FROM suppliers FOR UPDATE")
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        taken = pool.submit(shop.ingest, delivery(order("1001", ("TUBE", 5))))
        assert taken.result(timeout=WAIT_S).outcome is Outcome.APPLIED
    finally:
        holder.rollback()
        holder.close()
        pool.shutdown(wait=True)
    assert shop.sku("TUBE").on_hand == 0
    [status] = shop.order("1001")
    [line] = status.lines
    assert line.waiting == 2 and line.promised_by is not None
