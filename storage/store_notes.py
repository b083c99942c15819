"""Which store order a customer notice is about: the store, its id there, the notice's kind
and the date it states (what a write-back to the store is keyed by)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from storage.chunks import chunks
from storage.models import CustomerNoticeRow, OrderRow
from storage.tx import SqlTx


@dataclass(frozen=True)
class NoticedOrder:
    source: str
    external_id: str
    kind: str
    about_date: date | None


def noticed_order(tx: SqlTx, notice_id: int) -> NoticedOrder | None:
    row = tx.conn.execute(
        select(
            OrderRow.source,
            OrderRow.external_id,
            CustomerNoticeRow.kind,
            CustomerNoticeRow.about_date,
        )
        .join(OrderRow, OrderRow.id == CustomerNoticeRow.order_id)
        .where(CustomerNoticeRow.id == notice_id)
    ).first()
    if row is None:
        return None
    return NoticedOrder(str(row.source), str(row.external_id), str(row.kind), row.about_date)


def noticed_orders(tx: SqlTx, notice_ids: list[int]) -> dict[int, NoticedOrder]:
    """`noticed_order` for many notices, in one statement."""
    if not notice_ids:
        return {}
    columns = (
        CustomerNoticeRow.id,
        OrderRow.source,
        OrderRow.external_id,
        CustomerNoticeRow.kind,
        CustomerNoticeRow.about_date,
    )
    joined = select(*columns).join(OrderRow, OrderRow.id == CustomerNoticeRow.order_id)
    rows = [
        row
        for ids in chunks(notice_ids)
        for row in tx.conn.execute(joined.where(CustomerNoticeRow.id.in_(ids)))
    ]
    return {
        row.id: NoticedOrder(str(row.source), str(row.external_id), str(row.kind), row.about_date)
        for row in rows
    }


def order_sources(tx: SqlTx, order_ids: list[int]) -> dict[int, str]:
    """Which store each order came from."""
    if not order_ids:
        return {}
    stmt = select(OrderRow.id, OrderRow.source)
    return {
        row.id: str(row.source)
        for ids in chunks(order_ids)
        for row in tx.conn.execute(stmt.where(OrderRow.id.in_(ids)))
    }
