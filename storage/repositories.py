"""Repositories: the domain's ports over one SQLAlchemy session, a few statements per use case."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from domain.model import (
    Delivery,
    IncomingOrder,
    LineIssue,
    LineState,
    NotStock,
    OrderState,
    StockLevel,
)
from domain.promises import Promise
from storage import statements as sql
from storage.models import DeliveryRow, OrderLineRow, OrderRow
from storage.order_names import orders_named
from storage.statements import DriverSql
from storage.tx import SqlTx

_LINE_COLUMNS = (
    OrderLineRow.id,
    OrderLineRow.order_id,
    OrderLineRow.line_ref,
    OrderLineRow.sku,
    OrderLineRow.quantity,
    OrderLineRow.allocated_qty,
    OrderLineRow.waiting_qty,
    OrderLineRow.backordered_qty,
    OrderLineRow.issue,
    OrderLineRow.product_id,
    OrderLineRow.name,
    OrderLineRow.cancelled_at,
    OrderLineRow.position,
    OrderLineRow.not_stock,
)


class SqlDeliveryLog:
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def record(self, delivery: Delivery, received_at: datetime) -> int | None:
        driver = self.tx.driver
        return driver.returning_id(sql.RECORD_DELIVERY, _delivery(driver, delivery, received_at))

    def set_outcome(self, delivery_id: int, outcome: str) -> None:
        stmt = update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(outcome=outcome)
        self.tx.session.execute(stmt)


def _line_state(row: object) -> LineState:
    r = row._mapping  # type: ignore[attr-defined]
    return LineState(
        line_ref=r["line_ref"],
        sku=r["sku"],
        quantity=r["quantity"],
        allocated=r["allocated_qty"],
        waiting=r["waiting_qty"],
        backordered=r["backordered_qty"],
        issue=LineIssue(r["issue"]) if r["issue"] else None,
        line_id=r["id"],
        product_id=r["product_id"],
        name=r["name"],
        order_id=r["order_id"],
        cancelled_at=r["cancelled_at"],
        position=r["position"],
        not_stock=NotStock(r["not_stock"]) if r["not_stock"] else None,
    )


class SqlOrders:
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def claim(self, order: IncomingOrder, received_at: datetime) -> tuple[int, OrderState | None]:
        driver = self.tx.driver
        new_id = driver.returning_id(sql.CREATE_ORDER, _order(driver, order, received_at))
        if new_id is not None:
            return new_id, None
        return self._stored(order)

    def claim_delivered(
        self, delivery: Delivery, received_at: datetime
    ) -> tuple[int, int, OrderState | None] | None:
        driver = self.tx.driver
        if driver.dialect != "postgresql":
            delivery_id = driver.returning_id(
                sql.RECORD_DELIVERY, _delivery(driver, delivery, received_at)
            )
            if delivery_id is None:
                return None
            return delivery_id, *self.claim(delivery.order, received_at)
        if delivery.source is not delivery.order.source:  # the statement shares `source`
            raise ValueError("a delivery's order comes from the delivery's store")
        values = _delivery(driver, delivery, received_at)
        values |= _order(driver, delivery.order, received_at)
        [(delivery_id, new_id)] = driver.rows(sql.RECORD_AND_CREATE_ORDER, values)
        if delivery_id is None:
            return None
        if new_id is not None:
            return delivery_id, new_id, None
        return delivery_id, *self._stored(delivery.order)

    def _stored(self, order: IncomingOrder) -> tuple[int, OrderState]:
        """The stored order the store's order is a version of, locked."""
        where = (OrderRow.source == order.source.value) & (
            OrderRow.external_id == order.external_id
        )
        row = self.tx.session.execute(select(OrderRow).where(where).with_for_update()).scalar_one()
        return row.id, self._state(row)

    def _state(self, row: OrderRow) -> OrderState:
        lines = self.tx.session.execute(
            select(*_LINE_COLUMNS).where(OrderLineRow.order_id == row.id)
        )
        return OrderState(
            order_id=row.id,
            number=row.number,
            placed_at=row.placed_at,
            updated_at=row.source_updated_at,
            cancelled=row.cancelled_at is not None,
            lines={line.line_ref: line for line in map(_line_state, lines)},
            stage=row.stage,
        )

    def lock_lines(self, order_id: int) -> dict[str, LineState]:
        stmt = select(*_LINE_COLUMNS).where(OrderLineRow.order_id == order_id).with_for_update()
        return {line.line_ref: line for line in map(_line_state, self.tx.session.execute(stmt))}

    def save_version(self, order_id: int, order: IncomingOrder) -> None:
        row = self.tx.session.get_one(OrderRow, order_id)
        row.source_updated_at = order.updated_at
        row.stage = order.stage
        row.number = order.number  # as the shop writes it now (rows kept from before had no '#')
        row.customer = order.customer or row.customer
        row.customer_email = order.customer_email or row.customer_email
        row.customer_first_name = order.customer_first_name or row.customer_first_name
        if order.cancelled and row.cancelled_at is None:
            row.cancelled_at = order.cancelled_at or order.updated_at
        self.tx.session.flush()

    def mark_cancelled(self, order_id: int, at: datetime) -> None:
        row = self.tx.session.get_one(OrderRow, order_id)
        if row.cancelled_at is None:
            row.cancelled_at = at
        self.tx.session.flush()

    def save_lines(
        self,
        order_id: int,
        placed_at: datetime,
        lines: Iterable[LineState],
        taking: dict[int, int] | None = None,
    ) -> None:
        driver = self.tx.driver
        new, changed = [], []
        for line in lines:
            values = {
                "sku": line.sku,
                "product_id": line.product_id,
                "quantity": line.quantity,
                "allocated_qty": line.allocated,
                "waiting_qty": line.waiting,
                "backordered_qty": line.backordered,
                "issue": line.issue.value if line.issue else None,
                "position": line.position,
                "not_stock": line.not_stock.value if line.not_stock else None,
            }
            if line.line_id is None:
                new.append(values | _new_line(driver, order_id, driver.time(placed_at), line))
            else:
                cancelled = driver.time(line.cancelled_at)
                changed.append(values | {"line_id": line.line_id, "cancelled_at": cancelled})
        driver.execute_together(sql.TAKE_STOCK, _stock_rows(taking or {}), sql.INSERT_LINES, new)
        driver.execute_many(sql.UPDATE_LINE, changed)

    def waiting_fifo(self, product_id: int, limit: int) -> list[LineState]:
        stmt = (
            select(*_LINE_COLUMNS)
            .where(OrderLineRow.product_id == product_id, OrderLineRow.waiting_qty > 0)
            .order_by(OrderLineRow.placed_at, OrderLineRow.id)
            .limit(limit)
            .with_for_update()
        )
        return [_line_state(row) for row in self.tx.conn.execute(stmt).all()]  # receipts: 20,000

    def save_fills(self, lines: Iterable[LineState]) -> None:
        params = [
            {"line_id": line.line_id, "allocated_qty": line.allocated, "waiting_qty": line.waiting}
            for line in lines
        ]
        self.tx.driver.execute_rows(sql.FILL_LINES, params)

    def find_by_number(self, number: str) -> list[tuple[int, OrderState]]:
        """Orders people call `number` (their name, the store's number or its id), locked."""
        ids = orders_named(self.tx.session, number)
        rows = self.tx.session.execute(
            select(OrderRow).where(OrderRow.id.in_(ids)).order_by(OrderRow.id).with_for_update()
        ).scalars()
        return [(row.id, self._state(row)) for row in rows]

    def unpromised(self, order_id: int) -> list[tuple[int, str, datetime, int | None, int | None]]:
        """The order's waiting lines without a promise, with their catalog's promise days."""
        driver = self.tx.driver
        return [
            (line_id, ref, driver.read_time(placed_at), product_days, supplier_days)
            for line_id, ref, placed_at, product_days, supplier_days in driver.rows(
                sql.UNPROMISED, {"order_id": order_id}
            )
        ]

    def save_promises(self, promised: Iterable[tuple[int, Promise]]) -> None:
        driver = self.tx.driver
        params = [
            {
                "line_id": line_id,
                "promised_by": driver.time(promise.by),
                "promise_source": promise.source.value,
            }
            for line_id, promise in promised
        ]
        driver.execute_rows(sql.SAVE_PROMISES, params)


def _delivery(driver: DriverSql, delivery: Delivery, received_at: datetime) -> dict[str, Any]:
    return {
        "source": delivery.source.value,
        "delivery_key": delivery.key,
        "topic": delivery.topic,
        "order_external_id": delivery.order.external_id,
        "order_updated_at": driver.time(delivery.order.updated_at),
        "received_at": driver.time(received_at),
    }


def _order(driver: DriverSql, order: IncomingOrder, received_at: datetime) -> dict[str, Any]:
    return {
        "source": order.source.value,
        "external_id": order.external_id,
        "number": order.number,
        "order_number": order.order_number,
        "is_test": order.test,
        "stage": order.stage,
        "customer": order.customer,
        "customer_email": order.customer_email,
        "customer_first_name": order.customer_first_name,
        "placed_at": driver.time(order.placed_at),
        "source_updated_at": driver.time(order.updated_at),
        "received_at": driver.time(received_at),
        "cancelled_at": driver.time(_cancelled_at(order, received_at)),
    }


def _cancelled_at(order: IncomingOrder, received_at: datetime) -> datetime | None:
    """The store's cancellation time for an order first seen cancelled, else when it came."""
    if not order.cancelled:
        return None
    return order.cancelled_at or received_at


def _new_line(driver: DriverSql, order_id: int, placed_at: object, line: LineState) -> dict:
    promise = line.promise
    return {
        "order_id": order_id,
        "line_ref": line.line_ref,
        "name": line.name,
        "placed_at": placed_at,
        "promised_by": driver.time(promise.by) if promise else None,
        "promise_source": promise.source.value if promise else None,
    }


def _stock_rows(taken: dict[int, int]) -> list[dict[str, int]]:
    return [{"pid": pid, "units": units} for pid, units in taken.items() if units]


def _level(row: tuple[Any, ...]) -> StockLevel:
    pid, sku, on_hand, product_days, supplier_days = row
    return StockLevel(int(pid), str(sku), int(on_hand), product_days, supplier_days)


class SqlStock:
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def lock(self, skus: Iterable[str]) -> dict[str, StockLevel]:
        levels = map(_level, self.tx.driver.lock_stock("sku", skus))
        return {level.sku: level for level in levels}

    def lock_ids(self, product_ids: Iterable[int]) -> dict[int, StockLevel]:
        levels = map(_level, self.tx.driver.lock_stock("id", product_ids))
        return {level.product_id: level for level in levels}

    def take(self, taken: dict[int, int]) -> None:
        self.tx.driver.execute_rows(sql.TAKE_STOCK, _stock_rows(taken))
