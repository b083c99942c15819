"""A channel's summary is due at most once (issue 14): orders that queue lines at the same time
share it, and the outbox worker taking the queue while an order is being stored never loses
that order's lines (they are in the summary taken, or a new one is due for them)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from bot.config import parse_config
from bot.delivery.notices import Notices
from bot.delivery.rendered import Post
from bot.delivery.report_notices import NothingToSay
from bot.facade import Backorders
from domain.notifications import BACKORDERS_SUMMARY, Notice
from domain.services import summary_facts
from storage import summaries as summaries_module
from storage.db import Database
from storage.models import OutboxRow, SummaryQueueRow
from storage.outbox import ClaimLost, OutboxStore
from storage.summaries import SqlSummaryQueue
from storage.unit_of_work import SqlUnitOfWork
from tests.support.builders import catalog, delivery, order

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LATER = datetime(2030, 1, 1, tzinfo=UTC)
AT_ONCE = {"slack": {"channel": "C0PURCHASE"}, "timezone": "UTC", "summaries": {"batch_every": "0"}}


@pytest.fixture
def desk(database: Database) -> Backorders:
    desk = Backorders(database, lambda: NOW, parse_config(AT_ONCE))
    desk.import_catalog(catalog(("CHAIN", 0)))
    return desk


def ingest(desk: Backorders, number: str) -> None:
    assert desk.ingest(delivery(order(number, ("CHAIN", 1), placed=NOW))).newly_waiting == 1


def waiting_summaries(database: Database) -> int:
    with database.engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.kind == "backorders.summary", OutboxRow.status == "pending")
            )
        )


def send_summaries(desk: Backorders) -> None:
    """What the outbox worker does with every summary due now: word it (taking the queue), and
    mark it sent."""
    store, notices = OutboxStore(desk.database), Notices(desk.database, desk.clock, desk.config)
    while due := store.due(LATER):
        for message in due:
            try:
                notices.render(message)
            except NothingToSay:
                continue
            store.mark_sent(message, {}, NOW)


def told(database: Database) -> list[str]:
    """Every order number the summaries sent so far listed, as often as they listed it."""
    stmt = select(OutboxRow.payload).where(OutboxRow.kind == "backorders.summary")
    with database.engine.connect() as conn:
        payloads = [json.loads(raw) for raw in conn.scalars(stmt)]
    return sorted(
        line["order_number"] for facts in payloads for line in facts.get("new_backorders", [])
    )


def queued_lines(database: Database) -> int:
    with database.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(SummaryQueueRow)))


def test_orders_stored_at_the_same_time_share_one_due_summary(
    desk: Backorders, database: Database
) -> None:
    numbers = [str(1001 + n) for n in range(24)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda number: ingest(desk, number), numbers))

    assert waiting_summaries(database) == 1
    send_summaries(desk)
    assert told(database) == numbers
    assert waiting_summaries(database) == 0 and queued_lines(database) == 0


def test_an_order_stored_while_the_summary_is_taken_is_told_once_and_never_lost(
    desk: Backorders, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(desk, "1001")  # its summary is due
    held, go = threading.Event(), threading.Event()
    make_due = SqlSummaryQueue.make_due

    def make_due_then_wait(self: SqlSummaryQueue, channel: str, now: datetime) -> None:
        make_due(self, channel, now)
        held.set()  # 1002's lines are queued and the summary is due, not yet committed
        go.wait(10)

    monkeypatch.setattr(SqlSummaryQueue, "make_due", make_due_then_wait)
    storing = threading.Thread(target=ingest, args=(desk, "1002"))
    storing.start()
    assert held.wait(10)
    monkeypatch.setattr(SqlSummaryQueue, "make_due", make_due)
    sending = threading.Thread(target=send_summaries, args=(desk,))
    sending.start()
    sending.join(0.3)  # the worker takes the summary while 1002 is being stored
    go.set()
    storing.join(10)
    sending.join(10)

    send_summaries(desk)  # whatever is due after both
    assert told(database) == ["1001", "1002"]
    assert queued_lines(database) == 0


def test_the_job_makes_a_summary_due_once_however_often_it_runs(database: Database) -> None:
    desk = Backorders(database, lambda: NOW, parse_config(AT_ONCE | {"summaries": {}}))
    desk.import_catalog(catalog(("CHAIN", 0)))
    assert desk.flush_summaries() is False  # nothing queued: nothing due
    ingest(desk, "1001")
    assert waiting_summaries(database) == 0  # batched: the order does not make it due
    ingest(desk, "1002")

    assert [desk.flush_summaries(), desk.flush_summaries()] == [True, True]
    assert waiting_summaries(database) == 1
    send_summaries(desk)
    assert told(database) == ["1001", "1002"]
    assert desk.flush_summaries() is False


def test_a_due_summary_that_finds_the_queue_empty_posts_nothing(
    desk: Backorders, database: Database
) -> None:
    ingest(desk, "1001")
    with database.engine.begin() as conn:  # taken by an older replica's summary, say
        conn.execute(SummaryQueueRow.__table__.delete())
    [message] = OutboxStore(database).due(LATER)

    with pytest.raises(NothingToSay):
        Notices(database, desk.clock, desk.config).render(message)

    assert waiting_summaries(database) == 0 and told(database) == []
    ingest(desk, "1002")  # the next line makes the next one due
    assert waiting_summaries(database) == 1


def test_a_summary_queued_with_its_lines_by_an_older_version_still_goes_out(
    database: Database,
) -> None:
    desk = Backorders(database, lambda: NOW, parse_config(AT_ONCE | {"summaries": {}}))
    desk.import_catalog(catalog(("CHAIN", 0)))
    desk.ingest(delivery(order("1001", ("CHAIN", 2), placed=NOW)))
    with SqlUnitOfWork(database) as uow:  # as the version before issue 14 queued it
        facts = summary_facts(uow.summaries.take())
        uow.outbox.add(Notice(BACKORDERS_SUMMARY, "C0PURCHASE", facts), NOW)
        uow.commit()
    [message] = OutboxStore(database).due(LATER)

    post = Notices(database, desk.clock, desk.config).render(message)

    assert (
        isinstance(post, Post) and "#1001" in str(post.blocks) and "2 waiting" in str(post.blocks)
    )


def test_orders_are_stored_while_the_summary_taken_is_being_worded(
    desk: Backorders, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Taking the queue is short: reading and wording a thousand lines happens after it, so a
    flash sale's orders (which make the next summary due) never wait for a summary."""
    ingest(desk, "1001")
    read_lines = summaries_module.rows_where_in
    stored_meanwhile: list[bool] = []

    def read_while_an_order_comes(*args: object, **kwargs: object) -> object:
        if not stored_meanwhile:
            storing = threading.Thread(target=ingest, args=(desk, "1002"))
            storing.start()
            storing.join(5)
            stored_meanwhile.append(not storing.is_alive())
        return read_lines(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(summaries_module, "rows_where_in", read_while_an_order_comes)
    send_summaries(desk)

    assert stored_meanwhile == [True]
    assert told(database) == ["1001", "1002"]  # 1002 in the next summary, made due by it
    assert waiting_summaries(database) == 0 and queued_lines(database) == 0


def test_a_worker_whose_lease_ran_out_keeps_nothing_and_the_new_holder_tells_the_lines(
    desk: Backorders, database: Database
) -> None:
    ingest(desk, "1001")
    [message] = OutboxStore(database).due(LATER)
    with database.engine.begin() as conn:  # another worker claimed it after this one's lease
        conn.execute(
            update(OutboxRow).where(OutboxRow.id == message.id).values(claim_token="theirs")
        )
    notices = Notices(database, desk.clock, desk.config)

    with pytest.raises(ClaimLost):
        notices.render(replace(message, claim="mine"))

    assert told(database) == []  # nothing worded by the worker that lost it
    post = notices.render(replace(message, claim="theirs"))
    assert isinstance(post, Post) and "#1001" in str(post.blocks)
    assert told(database) == ["1001"]
