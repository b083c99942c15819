"""The queue behind new-backorder summaries, and the one summary per channel that is due.

Lines that started waiting are queued here with their order. A channel's summary is one
outbox notice (`backorders.summary`) queued under the key `summary:<channel>` with no facts: it
says only that a summary is due. Whoever queues lines (an order, with `summaries.batch_every`
"0") or finds lines queued (the `summary` job) makes sure it exists; the key lets the database
keep it at one per channel, whatever the replicas do at once. The outbox worker takes the queue
when it sends it (`take_due`), keeps what it took in the notice and frees the key, so the next
line queues the next summary behind it; it reads and words those lines after that short
transaction (`describe`), and keeps the facts it told in the notice (`keep`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select, update

from domain.model import LineIssue
from domain.notifications import BACKORDERS_SUMMARY, Notice
from domain.views import BackorderSummary, NewBackorder, UnplacedLine
from storage.chunks import rows_where_in
from storage.models import (
    OrderLineRow,
    OrderRow,
    OutboxRow,
    ProductRow,
    SummaryQueueRow,
    SupplierRow,
)
from storage.outbox import SqlOutbox
from storage.tx import SqlTx

queue = SummaryQueueRow.__table__
outbox = OutboxRow.__table__
INSERT_QUEUED = """
INSERT INTO summary_queue (order_id, line_ref, units, queued_at)
VALUES (:order_id, :line_ref, :units, :queued_at)"""


def due_key(channel: str) -> str:
    """The outbox key of the channel's summary while it is due (not yet taken)."""
    return f"summary:{channel}"


class NothingQueued(Exception):
    """The channel's due summary found the queue empty: it was closed without a message."""


class SqlSummaryQueue:
    """The queue; with `due_to` (a channel), queueing lines also makes that channel's summary
    due, in the same transaction."""

    def __init__(self, tx: SqlTx, due_to: str | None = None) -> None:
        self.tx = tx
        self.due_to = due_to

    def add(self, order_id: int, entries: Iterable[tuple[str, int]], now: datetime) -> None:
        driver = self.tx.driver
        at = driver.time(now)
        rows = [
            {"order_id": order_id, "line_ref": ref, "units": n, "queued_at": at}
            for ref, n in entries
        ]
        driver.execute_many(INSERT_QUEUED, rows)
        if self.due_to is not None and rows:
            self.make_due(self.due_to, now)

    def make_due(self, channel: str, now: datetime) -> None:
        """The channel's summary is due: queued unless it is already (then it is locked until
        this transaction ends, so a sender taking the queue meanwhile sees these lines)."""
        SqlOutbox(self.tx).hold(Notice(BACKORDERS_SUMMARY, channel, {}, due_key(channel)), now)

    def make_due_if_queued(self, channel: str, now: datetime) -> bool:
        """The `summary` job: the channel's summary is due if anything is queued."""
        if not self.tx.conn.execute(select(exists().select_from(queue))).scalar():
            return False
        self.make_due(channel, now)
        return True

    def take_due(self, message_id: int, channel: str, now: datetime) -> dict[str, Any]:
        """What the due summary `message_id` tells, as kept in its notice: the queue, taken now
        (`{"taken": [[order_id, line_ref, units], ...]}`; a retry takes the same), its key freed
        for the next one; or the facts an earlier try kept. Raises NothingQueued, having closed
        the notice, when there is nothing to say.

        Only the queue is taken here, in a few statements: this transaction holds SQLite's one
        writer and the notice every order queueing lines waits for, so the lines are read and
        worded after it (`describe`), not in it."""
        # The notice first: an order queueing lines holds it until it commits, so the queue
        # read below sees that order's lines (or the order queues a new summary after this).
        key = due_key(channel)
        freed = self.tx.conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id, outbox.c.dedupe_key == key)
            .where(outbox.c.status == "pending")
            .values(dedupe_key=f"{key}@{message_id}")
            .returning(outbox.c.id)
        ).first()
        if freed is None:  # taken by an earlier try: what it took
            return self._kept(message_id)
        taken = self._take_queue()
        if not taken:
            SqlOutbox(self.tx).settle(message_id, "sent", {"empty": True}, now)
            raise NothingQueued(f"summary {message_id}: nothing was queued")
        kept = {"taken": taken}
        self.keep(message_id, kept)
        return kept

    def keep(self, message_id: int, facts: dict[str, Any], claim: str | None = None) -> bool:
        """What the summary `message_id` tells, kept in its notice while it is pending and, with
        `claim`, still held by that claim (a worker whose lease ran out changes nothing)."""
        stmt = update(outbox).where(outbox.c.id == message_id, outbox.c.status == "pending")
        if claim is not None:
            stmt = stmt.where(outbox.c.claim_token == claim)
        kept = stmt.values(payload=json.dumps(facts)).returning(outbox.c.id)
        return self.tx.conn.execute(kept).first() is not None

    def _kept(self, message_id: int) -> dict[str, Any]:
        row = self.tx.conn.execute(
            select(outbox.c.payload, outbox.c.status).where(outbox.c.id == message_id)
        ).first()
        kept = json.loads(row.payload) if row is not None else {}
        if row is None or row.status != "pending" or not _tells(kept):
            raise NothingQueued(f"summary {message_id} is no longer due")
        return dict(kept)

    def take(self) -> BackorderSummary:
        """The whole queue, taken and described."""
        return self.describe(self._take_queue())

    def _take_queue(self) -> list[list[Any]]:
        """Every queued line once, `[order_id, line_ref, units]`: a line queued by two
        versions of its order waits for both."""
        # DELETE ... RETURNING claims the rows: a second flusher at the same time gets none.
        taken = self.tx.conn.execute(
            delete(queue).returning(queue.c.order_id, queue.c.line_ref, queue.c.units)
        ).all()
        units: dict[tuple[int, str], int] = {}
        for order_id, ref, n in taken:
            units[(order_id, ref)] = units.get((order_id, ref), 0) + n
        return [[order_id, ref, n] for (order_id, ref), n in units.items()]

    def describe(self, taken: Iterable[Sequence[Any]]) -> BackorderSummary:
        """The lines taken, as a summary tells them (read only)."""
        units = {(int(order_id), str(ref)): int(n) for order_id, ref, n in taken}
        if not units:
            return BackorderSummary((), ())
        # Read by order, not by (order, line) pairs: PostgreSQL matched a thousand pairs
        # against every line of their orders, seconds a chunk for an order of many lines.
        orders = sorted({order_id for order_id, _ in units})
        rows = [
            row
            for row in rows_where_in(self.tx.conn, LINES, OrderLineRow.order_id, orders)
            if (row.order_id, row.line_ref) in units
        ]
        rows.sort(key=lambda row: (row.placed_at, row.line_id))
        return _summary(rows, units)


def _tells(kept: dict[str, Any]) -> bool:
    """The notice holds what its summary tells: the lines taken, or (older) their facts."""
    return "taken" in kept or "new_backorders" in kept


LINES = (
    select(
        OrderLineRow.id.label("line_id"),
        OrderLineRow.order_id,
        OrderLineRow.line_ref,
        OrderRow.number,
        OrderLineRow.sku,
        OrderLineRow.name,
        OrderLineRow.issue,
        OrderLineRow.placed_at,
        OrderLineRow.position,
        SupplierRow.name.label("supplier"),
    )
    .join(OrderRow, OrderRow.id == OrderLineRow.order_id)
    .outerjoin(ProductRow, ProductRow.id == OrderLineRow.product_id)
    .outerjoin(SupplierRow, SupplierRow.id == ProductRow.supplier_id)
)  # an order's lines, as a summary tells them


def _summary(rows: list, units: dict[tuple[int, str], int]) -> BackorderSummary:  # type: ignore[type-arg]
    waiting, unplaced = [], []
    for row in rows:
        n = units[(row.order_id, row.line_ref)]
        if row.issue:
            issue = LineIssue(row.issue)
            unplaced.append(
                UnplacedLine(row.number, row.line_ref, row.sku, row.name, n, issue, row.position)
            )
        else:
            waiting.append(
                NewBackorder(row.number, row.sku, row.name, row.supplier, n, row.placed_at)
            )
    return BackorderSummary(tuple(waiting), tuple(unplaced))
