"""Customer notices kept: what the notices engine reads (orders that wait, their lines, what
each customer was told) and writes (notices, once per kind, lines and date; Slack batches,
decided once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update

from domain.customer_notices import LineFacts, NoticeIntent, NoticeKind, OrderFacts, PastNotice
from domain.customer_story import AUTO
from storage.chunks import chunks, rows_where_in
from storage.models import CustomerNoticeRow, NoticeBatchRow, OrderLineRow, OrderRow
from storage.outbox import dialect_insert
from storage.tx import SqlTx

HEARD = ("queued", "sent")  # the customer was (or is about to be) told
OPEN = "awaiting_approval"
WITHDRAWN = "withdrawn"  # its facts no longer held when the team sent the batch


@dataclass(frozen=True)
class NoticeToSend:
    """One notice with what its email needs."""

    notice_id: int
    kind: str
    status: str
    order_id: int
    order_number: str
    email: str | None
    first_name: str | None
    opted_out: bool
    cancelled: bool
    about_date: date | None
    reason: str | None
    lines: tuple[tuple[str, str, int], ...]  # (sku, name, waiting units)
    line_ids: tuple[int, ...] = ()  # the lines it is about, re-checked when it goes
    line_refs: frozenset[str] = frozenset()  # the same lines, as the store names them


@dataclass(frozen=True)
class Batch:
    batch_id: int
    kind: str
    status: str
    size: int
    decided_by: str | None
    decided_at: datetime | None
    withdrawn: int = 0  # notices that no longer applied when the batch was sent
    version: int = 1  # one more each time notices join it: its buttons carry the one shown


# What makes a notice the same one: its kind, order, lines and date (the unique key).
IDENTITY = ("order_id", "kind", "lines_key", "about_date")


def _values(intent: NoticeIntent, status: str, now: datetime) -> dict[str, Any]:
    auto = status != OPEN  # sent without asking: the policy decided, now
    return {
        "order_id": intent.order_id,
        "kind": intent.kind.value,
        "lines_key": intent.lines_key,
        "about_date": intent.about_date,
        "status": status,
        "reason": intent.reason.value if intent.reason else None,
        "created_at": now,
        "due_at": now,
        "decided_by": AUTO if auto else None,
        "decided_at": now if auto else None,
    }


class SqlCustomerNotices:
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def orders_to_consider(self) -> list[OrderFacts]:
        """Orders that wait or whose customer was told they wait (lines without expected dates:
        the caller adds them)."""
        told = select(CustomerNoticeRow.order_id).where(CustomerNoticeRow.status.in_(HEARD))
        waiting = select(OrderLineRow.order_id).where(OrderLineRow.waiting_qty > 0)
        return self._facts(
            OrderRow.customer_email.is_not(None),
            or_(OrderRow.id.in_(waiting), OrderRow.id.in_(told)),
        )

    def orders(self, order_ids: list[int]) -> dict[int, OrderFacts]:
        """These orders as the notices see them now (lines without expected dates)."""
        if not order_ids:
            return {}
        facts = (fact for ids in chunks(order_ids) for fact in self._facts(OrderRow.id.in_(ids)))
        return {order.order_id: order for order in facts}

    def _facts(self, *where: Any) -> list[OrderFacts]:
        orders = self.tx.conn.execute(select(OrderRow).where(*where)).all()
        lines = self._lines([row.id for row in orders])
        return [
            OrderFacts(
                row.id,
                row.received_at,
                row.customer_email,
                tuple(lines.get(row.id, [])),
                is_test=row.is_test,
                cancelled=row.cancelled_at is not None,
                opted_out=row.notices_opt_out_at is not None,
            )
            for row in orders
        ]

    def _lines(self, order_ids: list[int]) -> dict[int, list[LineFacts]]:
        found: dict[int, list[LineFacts]] = {}
        if not order_ids:
            return found
        stmt = select(OrderLineRow).where(OrderLineRow.backordered_qty > 0)
        for line in rows_where_in(self.tx.conn, stmt, OrderLineRow.order_id, order_ids):
            promised = line.promised_by.date() if line.promised_by else None
            facts = LineFacts(
                line.id,
                line.waiting_qty,
                line.backordered_qty,
                # Cut to 0 in the store: gone from the order as if cancelled, never "on its way".
                line.cancelled_at is not None or line.quantity == 0,
                None,
                promised,
            )
            found.setdefault(line.order_id, []).append(facts)
        return found

    def past(self, order_ids: list[int]) -> dict[int, list[PastNotice]]:
        found: dict[int, list[PastNotice]] = {}
        if not order_ids:
            return found
        stmt = select(CustomerNoticeRow)
        for row in rows_where_in(self.tx.conn, stmt, CustomerNoticeRow.order_id, order_ids):
            ids = frozenset(int(i) for i in row.lines_key.split(",") if i)
            told = row.status in HEARD
            notice = PastNotice(NoticeKind(row.kind), ids, row.about_date, told)
            found.setdefault(row.order_id, []).append(notice)
        return found

    def write_all(self, due: list[tuple[NoticeIntent, str]], now: datetime) -> list[int | None]:
        """Each notice's id (with its status), or None where the same one was written already
        (another run): one statement for all, not one per notice."""
        if not due:
            return []
        notices = CustomerNoticeRow.__table__
        stmt = dialect_insert(self.tx.conn.dialect.name)(notices).on_conflict_do_nothing()
        stmt = stmt.returning(notices.c.id, *(notices.c[name] for name in IDENTITY))
        rows = [_values(intent, status, now) for intent, status in due]
        found = {tuple(row[1:]): row[0] for row in self.tx.conn.execute(stmt, rows)}
        return [found.get(tuple(row[name] for name in IDENTITY)) for row in rows]

    def new_batch(self, kind: str, notice_ids: list[int], now: datetime) -> int:
        batch_id = self.tx.conn.execute(
            insert(NoticeBatchRow)
            .values(kind=kind, status=OPEN, version=1, created_at=now)
            .returning(NoticeBatchRow.id)
        ).scalar_one()
        for ids in chunks(notice_ids):
            self.tx.conn.execute(
                update(CustomerNoticeRow)
                .where(CustomerNoticeRow.id.in_(ids))
                .values(batch_id=batch_id)
            )
        return batch_id

    def decide(
        self,
        batch_id: int,
        status: str,
        by: str,
        now: datetime,
        withdrawn: frozenset[int] = frozenset(),
        version: int | None = None,
    ) -> list[int] | None:
        """Decide an open batch (its notices `queued` or `skipped`, those `withdrawn` that no
        longer apply), at the version the person saw when given; None when it was decided
        already or has grown since: the database lets one click win, on what it showed."""
        seen = () if version is None else (NoticeBatchRow.version == version,)
        won = self.tx.conn.execute(
            update(NoticeBatchRow)
            .where(NoticeBatchRow.id == batch_id, NoticeBatchRow.status == OPEN, *seen)
            .values(status=status, decided_by=by, decided_at=now)
            .returning(NoticeBatchRow.id)
        ).first()
        if won is None:
            return None
        notice_status = "queued" if status == "sent" else "skipped"
        if withdrawn:
            self.tx.conn.execute(
                update(CustomerNoticeRow)
                .where(
                    CustomerNoticeRow.batch_id == batch_id,
                    CustomerNoticeRow.status == OPEN,
                    CustomerNoticeRow.id.in_(withdrawn),
                )
                .values(status=WITHDRAWN, decided_by=by, decided_at=now)
            )
        ids = self.tx.conn.execute(
            update(CustomerNoticeRow)
            .where(CustomerNoticeRow.batch_id == batch_id, CustomerNoticeRow.status == OPEN)
            .values(status=notice_status, decided_by=by, decided_at=now)
            .returning(CustomerNoticeRow.id)
        ).scalars()
        return sorted(ids)

    def settle(self, notice_id: int, status: str, now: datetime) -> None:
        sent_at = now if status == "sent" else None
        self.tx.conn.execute(
            update(CustomerNoticeRow)
            .where(CustomerNoticeRow.id == notice_id, CustomerNoticeRow.status == "queued")
            .values(status=status, sent_at=sent_at)
        )

    def batch(self, batch_id: int) -> Batch | None:
        row = self.tx.conn.execute(
            select(NoticeBatchRow).where(NoticeBatchRow.id == batch_id)
        ).first()
        if row is None:
            return None
        counts = dict(
            self.tx.conn.execute(
                select(CustomerNoticeRow.status, func.count())
                .where(CustomerNoticeRow.batch_id == batch_id)
                .group_by(CustomerNoticeRow.status)
            ).all()
        )
        size, withdrawn = sum(counts.values()), counts.get(WITHDRAWN, 0)
        return Batch(
            row.id,
            row.kind,
            row.status,
            size,
            row.decided_by,
            row.decided_at,
            withdrawn,
            row.version,
        )

    def first_of_batch(self, batch_id: int) -> int | None:
        return self.tx.conn.execute(
            select(func.min(CustomerNoticeRow.id)).where(CustomerNoticeRow.batch_id == batch_id)
        ).scalar()

    def notice(self, notice_id: int) -> NoticeToSend | None:
        notices, orders = CustomerNoticeRow, OrderRow
        row = self.tx.conn.execute(
            select(
                notices.id,
                notices.kind,
                notices.status,
                notices.order_id,
                notices.lines_key,
                notices.about_date,
                notices.reason,
                orders.number,
                orders.customer_email,
                orders.customer_first_name,
                orders.notices_opt_out_at,
                orders.cancelled_at,
            )
            .join(OrderRow, OrderRow.id == CustomerNoticeRow.order_id)
            .where(CustomerNoticeRow.id == notice_id)
        ).first()
        if row is None:
            return None
        ids = [int(i) for i in row.lines_key.split(",") if i]
        lines = self.tx.conn.execute(
            select(
                OrderLineRow.sku,
                OrderLineRow.name,
                OrderLineRow.backordered_qty,
                OrderLineRow.line_ref,
            )
            .where(OrderLineRow.id.in_(ids))
            .order_by(OrderLineRow.position, OrderLineRow.id)
        ).all()
        return NoticeToSend(
            row.id,
            row.kind,
            row.status,
            row.order_id,
            row.number,
            row.customer_email,
            row.customer_first_name,
            row.notices_opt_out_at is not None,
            row.cancelled_at is not None,
            row.about_date,
            row.reason,
            tuple((sku or "", name, int(units)) for sku, name, units, _ in lines),
            tuple(ids),
            frozenset(ref for *_, ref in lines),
        )
