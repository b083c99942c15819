"""The queue behind batched new-backorder summaries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select, tuple_

from domain.model import LineIssue
from domain.views import BackorderSummary, NewBackorder, UnplacedLine
from storage.chunks import chunks
from storage.models import OrderLineRow, OrderRow, ProductRow, SummaryQueueRow, SupplierRow
from storage.tx import SqlTx

queue = SummaryQueueRow.__table__
INSERT_QUEUED = """
INSERT INTO summary_queue (order_id, line_ref, units, queued_at)
VALUES (:order_id, :line_ref, :units, :queued_at)"""


class SqlSummaryQueue:
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def add(self, order_id: int, entries: Iterable[tuple[str, int]], now: datetime) -> None:
        driver = self.tx.driver
        at = driver.time(now)
        rows = [
            {"order_id": order_id, "line_ref": ref, "units": n, "queued_at": at}
            for ref, n in entries
        ]
        driver.execute_many(INSERT_QUEUED, rows)

    def take(self) -> BackorderSummary:
        # DELETE ... RETURNING claims the rows: a second flusher at the same time gets none.
        taken = self.tx.conn.execute(
            delete(queue).returning(queue.c.order_id, queue.c.line_ref, queue.c.units)
        ).all()
        if not taken:
            return BackorderSummary((), ())
        units = {(order_id, ref): n for order_id, ref, n in taken}
        rows = [row for pairs in chunks(list(units)) for row in self._lines(pairs)]
        rows.sort(key=lambda row: (row.placed_at, row.line_id))
        return _summary(rows, units)

    def _lines(self, pairs: Sequence[tuple[int, str]]) -> list[Row[Any]]:
        """The queued lines named by `pairs` (order id, line ref), one chunk of the queue."""
        return list(
            self.tx.conn.execute(
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
                .where(tuple_(OrderLineRow.order_id, OrderLineRow.line_ref).in_(pairs))
            )
        )


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
