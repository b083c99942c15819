"""A summary queue longer than one statement may bind (a flash sale) still drains in one summary."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from bot.config import parse_config
from bot.facade import Backorders
from storage.db import Database
from storage.models import OrderLineRow, SummaryQueueRow
from tests.integration.test_summary_due_once import send_summaries, told
from tests.support.builders import catalog, delivery, order

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
QUEUED = 40_000  # two parameters a line: past PostgreSQL's 65,535 and SQLite's 32,766


def test_forty_thousand_queued_lines_go_out_in_one_summary_and_leave_the_queue_empty(
    database: Database,
) -> None:
    config = parse_config({"slack": {"channel": "C0PURCHASE"}, "timezone": "UTC"})
    desk = Backorders(database, lambda: NOW, config)
    desk.import_catalog(catalog(("CHAIN", 0)))
    desk.ingest(delivery(order("1001", ("CHAIN", 1), placed=NOW)))
    desk.flush_summaries()  # the order's own line, summarised: the queue is empty again
    send_summaries(desk)
    _queue_copies_of_its_line(database, QUEUED)

    assert desk.flush_summaries()  # due: the worker takes the queue when it sends it
    send_summaries(desk)

    assert told(database) == ["1001"] * (QUEUED + 1)
    assert not desk.flush_summaries()  # nothing was left behind to be told twice
    with database.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(SummaryQueueRow)) == 0


def _queue_copies_of_its_line(database: Database, copies: int) -> None:
    """`copies` more lines like the order's one, each queued for the summary, in bulk."""
    lines = OrderLineRow.__table__
    with database.engine.begin() as conn:
        line = dict(conn.execute(select(lines)).mappings().one())
        del line["id"]
        refs = [f"copy-{n}" for n in range(copies)]
        conn.execute(insert(lines), [line | {"line_ref": ref} for ref in refs])
        queued = {"order_id": line["order_id"], "units": 1, "queued_at": NOW}
        conn.execute(insert(SummaryQueueRow), [queued | {"line_ref": ref} for ref in refs])
