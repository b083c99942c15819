"""Two replicas' outbox workers (two engines on one database, SQLite and PostgreSQL): a send
that outlasts the lease is never taken and sent again by the other, because the sender renews
its claim while it sends; and a worker whose lease did run out (frozen, its database away)
cannot send, mark, retry or release the message the other one now holds."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.delivery.outbox_worker import NothingToSend, OutboxWorker
from domain.notifications import ORDERS_READY, Notice
from storage.db import Database, connect
from storage.models_outbox import OutboxRow
from storage.outbox import OutboxStore, QueuedMessage
from storage.unit_of_work import SqlUnitOfWork
from tests.support.bot_process import wait_until
from tests.support.builders import T0

LEASE_S = 60.0


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def other_replica(database: Database) -> Iterator[Database]:
    """The same database through an engine of its own, as a second replica has."""
    replica = connect(database.engine.url.render_as_string(hide_password=False))
    yield replica
    replica.dispose()


def queue(database: Database, text: str) -> None:
    with SqlUnitOfWork(database) as uow:
        uow.outbox.add(Notice(ORDERS_READY, "C0PURCHASE", {"text": text}), T0)
        uow.commit()


def row(database: Database) -> Any:
    with database.engine.connect() as conn:
        return conn.execute(select(OutboxRow)).one()


def test_a_send_longer_than_the_lease_is_not_sent_again_by_another_replica(
    database: Database, other_replica: Database
) -> None:
    queue(database, "PO-0001 ready")
    clock = Clock(T0)
    sent: list[str] = []

    def deliver_b(message: QueuedMessage) -> dict[str, Any]:
        sent.append("b")
        return {"ts": "b"}

    worker_b = OutboxWorker(OutboxStore(other_replica), deliver_b, clock, pace_s=0)

    def deliver_a(message: QueuedMessage) -> dict[str, Any]:
        sent.append("a")
        for _ in range(4):  # two minutes pass while the send goes on: twice the lease
            clock.now += timedelta(seconds=LEASE_S / 2)
            until = clock.now + timedelta(seconds=LEASE_S)
            wait_until(lambda t=until: row(database).claimed_until >= t, 10, "claim renewed")
            assert worker_b.run_once() == 0  # the other replica finds it taken
        return {"ts": "a"}

    worker_a = OutboxWorker(
        OutboxStore(database), deliver_a, clock, pace_s=0, lease_s=LEASE_S, heartbeat_s=0.02
    )
    assert worker_a.run_once() == 1

    assert sent == ["a"]
    assert (row(database).status, row(database).result) == ("sent", '{"ts": "a"}')
    clock.now += timedelta(hours=1)
    assert worker_b.run_once() == 0 and sent == ["a"]


def test_a_worker_whose_lease_ran_out_changes_nothing_the_new_holder_did(
    database: Database, other_replica: Database, caplog: pytest.LogCaptureFixture
) -> None:
    queue(database, "PO-0001 ready")
    store_a, store_b = OutboxStore(database), OutboxStore(other_replica)
    [message] = store_a.due(T0)
    stale = store_a.claim(message, T0, LEASE_S, 0)
    assert stale is not None
    later = T0 + timedelta(seconds=LEASE_S + 1)  # replica A froze past its lease
    [again] = store_b.due(later)
    holder = store_b.claim(again, later, LEASE_S, 0)
    assert holder is not None and holder.claim != stale.claim

    with caplog.at_level(logging.WARNING, logger="storage.outbox"):
        assert store_a.hand_over(stale, later) is False  # so A does not send it
        assert store_a.retry_later(stale, "timed out", later) is False
        assert store_a.release(stale) is False
    assert (row(database).status, row(database).attempts, row(database).handed_at) == (
        "pending",
        0,
        None,
    )
    assert row(database).claimed_until > later  # still B's
    assert store_a.mark_sent(stale, {"ts": "a"}, later) is False
    assert store_b.mark_sent(holder, {"ts": "b"}, later) is True

    assert (row(database).status, row(database).result) == ("sent", '{"ts": "b"}')
    lost = [r for r in caplog.records if "claimed by another worker" in r.getMessage()]
    assert len(lost) == 4  # each write A tried, logged


def test_a_notice_with_nothing_to_send_is_closed_as_done_quietly(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    queue(database, "nothing to say any more")

    def deliver(message: QueuedMessage) -> dict[str, Any]:
        raise NothingToSend("the queue was taken by another summary")

    worker = OutboxWorker(OutboxStore(database), deliver, Clock(T0), pace_s=0)
    with caplog.at_level(logging.INFO):
        assert worker.run_once() == 1

    assert row(database).status == "sent"
    assert "nothing_to_send" in row(database).result
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert worker.run_once() == 0  # nothing tried again
