"""The audit of what customers were told: every notice with who decided it, when, and when it
went, and the customers' answers from their journey page."""

from __future__ import annotations

from sqlalchemy import select

from domain.customer_story import CustomerAnswer, CustomerStory, ToldNotice
from storage.models import CustomerChoiceRow, CustomerNoticeRow, OrderRow
from storage.order_names import orders_named
from storage.tx import SqlTx


class SqlCustomerAudit:
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def told(self, order_id: int) -> tuple[ToldNotice, ...]:
        """Every notice written for the order, oldest first, whatever became of it."""
        notices = CustomerNoticeRow
        rows = self.tx.conn.execute(
            select(
                notices.kind,
                notices.status,
                notices.about_date,
                notices.created_at,
                notices.decided_by,
                notices.decided_at,
                notices.sent_at,
            )
            .where(notices.order_id == order_id)
            .order_by(notices.id)
        )
        return tuple(ToldNotice(*row) for row in rows)

    def answers(self, order_id: int) -> tuple[CustomerAnswer, ...]:
        rows = self.tx.conn.execute(
            select(CustomerChoiceRow.choice, CustomerChoiceRow.at)
            .where(CustomerChoiceRow.order_id == order_id)
            .order_by(CustomerChoiceRow.at, CustomerChoiceRow.id)
        )
        return tuple(CustomerAnswer(*row) for row in rows)

    def stories(self, number: str, source: str | None) -> list[CustomerStory]:
        """The customer's side of each order people call `number` (of one store when named)."""
        ids = orders_named(self.tx.session, number)
        rows = self.tx.conn.execute(
            select(OrderRow.id, OrderRow.number, OrderRow.source)
            .where(OrderRow.id.in_(ids))
            .order_by(OrderRow.placed_at)
        )
        return [
            CustomerStory(row.number, self.told(row.id), self.answers(row.id))
            for row in rows
            if source is None or row.source == source
        ]
