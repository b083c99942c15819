"""The Slack batches of customer notices as they grow and are sent: one open batch per kind
joined by later notices (one message in the channel, not one a minute), and the notices of a
batch checked against the facts when the team sends it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text, update

from domain.customer_notices import NoticeKind
from storage.chunks import chunks
from storage.customer_notices import OPEN
from storage.models import CustomerNoticeRow, NoticeBatchRow
from storage.tx import SqlTx

# Any constant the bot takes for nothing else: the job's writers queue on it on PostgreSQL
# (SQLite's BEGIN IMMEDIATE already lets one writer in at a time).
NOTICES_LOCK = 0x6E6F74696365


@dataclass(frozen=True)
class OpenBatch:
    batch_id: int
    version: int


@dataclass(frozen=True)
class PendingNotice:
    """A notice of a batch still awaiting the team."""

    notice_id: int
    order_id: int
    kind: NoticeKind
    line_ids: frozenset[int]
    about_date: date | None


class SqlNoticeBatches:
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def one_writer_at_a_time(self) -> None:
        """Until commit, no other replica writes notices: two job runs make one batch."""
        if self.tx.conn.dialect.name == "postgresql":
            self.tx.conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": NOTICES_LOCK})

    def open_batch(self, kind: str, posted_since: datetime) -> OpenBatch | None:
        """The newest undecided batch of this kind posted since then, locked until commit."""
        row = self.tx.conn.execute(
            select(NoticeBatchRow.id, NoticeBatchRow.version)
            .where(
                NoticeBatchRow.kind == kind,
                NoticeBatchRow.status == OPEN,
                NoticeBatchRow.created_at >= posted_since,
            )
            .order_by(NoticeBatchRow.id.desc())
            .limit(1)
            .with_for_update()
        ).first()
        return OpenBatch(row.id, row.version) if row else None

    def join(self, batch: OpenBatch, notice_ids: list[int]) -> int:
        """Add notices to an open batch; its new version (the message is updated to it)."""
        for ids in chunks(notice_ids):
            self.tx.conn.execute(
                update(CustomerNoticeRow)
                .where(CustomerNoticeRow.id.in_(ids))
                .values(batch_id=batch.batch_id)
            )
        version = batch.version + 1
        self.tx.conn.execute(
            update(NoticeBatchRow)
            .where(NoticeBatchRow.id == batch.batch_id)
            .values(version=version)
        )
        return version

    def pending(self, batch_id: int) -> list[PendingNotice]:
        rows = self.tx.conn.execute(
            select(
                CustomerNoticeRow.id,
                CustomerNoticeRow.order_id,
                CustomerNoticeRow.kind,
                CustomerNoticeRow.lines_key,
                CustomerNoticeRow.about_date,
            ).where(CustomerNoticeRow.batch_id == batch_id, CustomerNoticeRow.status == OPEN)
        )
        return [
            PendingNotice(
                row.id,
                row.order_id,
                NoticeKind(row.kind),
                frozenset(int(i) for i in row.lines_key.split(",") if i),
                row.about_date,
            )
            for row in rows
        ]
