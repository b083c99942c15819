"""Read side: what `/backorders` shows, aggregated in SQL over the waiting-lines index."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from domain.fulfilment import FilledOrder
from domain.model import LineIssue, NotStock
from domain.purchasing import BufferLine
from domain.views import (
    OpenLine,
    OrderLineStatus,
    OrderStatus,
    Overview,
    SkuStatus,
    SupplierBacklog,
    SupplierStatus,
    WaitingLine,
)
from storage.chunks import id_in
from storage.demand import PROPOSING, on_order_units
from storage.models import OrderLineRow, OrderRow, ProductRow, SupplierRow
from storage.order_names import orders_named
from storage.tx import SqlTx

OLDEST_SHOWN = 10
_WAITING = OrderLineRow.waiting_qty > 0


class SqlBackorderQueries:
    def __init__(self, tx: SqlTx) -> None:
        self.tx = tx

    def sku(self, sku: str) -> SkuStatus | None:
        found = self.tx.session.execute(
            select(ProductRow, SupplierRow.name)
            .join(SupplierRow, ProductRow.supplier_id == SupplierRow.id)
            .where(ProductRow.sku == sku)
        ).first()
        if found is None:
            return None
        product, supplier = found
        units, lines = self.tx.session.execute(
            select(func.coalesce(func.sum(OrderLineRow.waiting_qty), 0), func.count()).where(
                OrderLineRow.product_id == product.id, _WAITING
            )
        ).one()
        return SkuStatus(
            sku=product.sku,
            name=product.name,
            supplier=supplier,
            on_hand=product.on_hand,
            case_pack=product.case_pack,
            waiting_units=int(units),
            waiting_lines=int(lines),
            oldest_waiting=self._oldest_waiting(product.id),
        )

    def _oldest_waiting(self, product_id: int) -> tuple[WaitingLine, ...]:
        rows = self.tx.session.execute(
            select(
                OrderRow.number,
                OrderLineRow.sku,
                OrderLineRow.placed_at,
                OrderLineRow.quantity,
                OrderLineRow.allocated_qty,
                OrderLineRow.waiting_qty,
            )
            .join(OrderRow, OrderRow.id == OrderLineRow.order_id)
            .where(OrderLineRow.product_id == product_id, _WAITING)
            .order_by(OrderLineRow.placed_at, OrderLineRow.id)
            .limit(OLDEST_SHOWN)
        )
        return tuple(WaitingLine(*row) for row in rows)

    def order(self, number: str) -> list[OrderStatus]:
        """The orders people call `number`: their name, the store's number or its id."""
        ids = orders_named(self.tx.session, number)
        orders = self.tx.session.execute(
            select(OrderRow).where(OrderRow.id.in_(ids)).order_by(OrderRow.placed_at)
        ).scalars()
        return [self._order_status(order) for order in orders]

    def order_sources(self, number: str) -> dict[int, str]:
        """The store of each order people call `number`, by order id."""
        ids = orders_named(self.tx.session, number)
        rows = self.tx.session.execute(
            select(OrderRow.id, OrderRow.source).where(OrderRow.id.in_(ids))
        )
        return {order_id: source for order_id, source in rows}

    def orders_by_ids(self, order_ids: list[int]) -> dict[int, OrderStatus]:
        """Orders by id with their lines, in two queries (a receipt may fill 20,000)."""
        conn = self.tx.conn
        orders = conn.execute(
            select(*_ORDER_COLUMNS).where(id_in(conn, OrderRow.id, order_ids)).order_by(OrderRow.id)
        ).all()
        lines = self._lines_of(id_in(conn, OrderLineRow.order_id, order_ids))
        return {order.id: _order_status(order, lines.get(order.id, ())) for order in orders}

    def filled_orders(self, order_ids: list[int]) -> list[FilledOrder]:
        """Id, number, cancelled and the units still waiting of each order, summed in SQL in
        one statement (the id list is one parameter): no line is fetched. A sum per order, not
        a GROUP BY over the join: the orders come in id order without a sort."""
        conn = self.tx.conn
        waiting = (
            select(func.coalesce(func.sum(OrderLineRow.waiting_qty), 0))
            .where(OrderLineRow.order_id == OrderRow.id)
            .scalar_subquery()
        )
        rows = conn.execute(
            select(OrderRow.id, OrderRow.number, OrderRow.cancelled_at.is_not(None), waiting)
            .where(id_in(conn, OrderRow.id, order_ids))
            .order_by(OrderRow.id)
        ).all()
        return [
            FilledOrder(oid, number, bool(cancelled), int(units))
            for oid, number, cancelled, units in rows
        ]

    def _lines_of(self, where: Any) -> dict[int, tuple[OrderLineStatus, ...]]:
        rows = self.tx.conn.execute(  # plain rows: no ORM work per line
            select(*_LINE_COLUMNS, SupplierRow.name.label("supplier"))
            .outerjoin(ProductRow, ProductRow.id == OrderLineRow.product_id)
            .outerjoin(SupplierRow, SupplierRow.id == ProductRow.supplier_id)
            .where(where)
            .order_by(OrderLineRow.order_id, OrderLineRow.id)
        ).all()  # fetched at once: a row at a time costs more than the rows
        grouped: dict[int, list[OrderLineStatus]] = {}
        for line in rows:
            grouped.setdefault(line.order_id, []).append(_line_status(line, line.supplier))
        return {order_id: tuple(lines) for order_id, lines in grouped.items()}

    def _order_status(self, order: OrderRow) -> OrderStatus:
        lines = self._lines_of(OrderLineRow.order_id == order.id)
        return _order_status(order, lines.get(order.id, ()))

    def supplier(self, name: str) -> SupplierStatus | None:
        supplier = self.tx.session.execute(
            select(SupplierRow).where(func.lower(SupplierRow.name) == name.lower())
        ).scalar_one_or_none()
        if supplier is None:
            return None
        # "To order" is waiting less what POs in flight bring: the same figure purchasing uses;
        # what an open proposal holds is shown with it, so only the rest is "beyond" it.
        on_order, proposed = on_order_units(), on_order_units(PROPOSING)
        rows = self.tx.session.execute(
            select(
                ProductRow.sku,
                ProductRow.name,
                func.sum(OrderLineRow.waiting_qty),
                func.count(),
                ProductRow.case_pack,
                ProductRow.unit_cost,
                func.coalesce(func.max(on_order.c.units), 0),
                func.min(OrderLineRow.placed_at),
                func.coalesce(func.max(proposed.c.units), 0),
            )
            .join(ProductRow, ProductRow.id == OrderLineRow.product_id)
            .outerjoin(on_order, on_order.c.product_id == ProductRow.id)
            .outerjoin(proposed, proposed.c.product_id == ProductRow.id)
            .where(ProductRow.supplier_id == supplier.id, _WAITING)
            .group_by(ProductRow.id)
            .order_by(func.min(OrderLineRow.placed_at))
        ).all()
        buffer = tuple(
            BufferLine(*row[:6], on_order=int(row[6]), on_proposal=int(row[8])) for row in rows
        )
        return SupplierStatus(
            name=supplier.name,
            email=supplier.email,
            lead_time_days=supplier.lead_time_days,
            min_order_qty=supplier.min_order_qty,
            buffer=buffer,
            oldest_placed_at=min((row[7] for row in rows), default=None),
        )

    def catalog_size(self) -> int:
        return int(self.tx.conn.execute(select(func.count()).select_from(ProductRow)).scalar_one())

    def supplier_names(self) -> list[str]:
        return list(self.tx.session.execute(select(SupplierRow.name)).scalars())

    def skus(self) -> list[str]:
        # only read after a miss; plain strings, so even a large catalog is one quick query
        return list(self.tx.session.execute(select(ProductRow.sku)).scalars())

    def open_lines(self) -> Iterator[OpenLine]:
        stmt = (
            select(
                OrderRow.number,
                OrderLineRow.placed_at,
                OrderRow.customer,
                OrderLineRow.sku,
                OrderLineRow.name,
                SupplierRow.name,
                OrderLineRow.quantity,
                OrderLineRow.allocated_qty,
                OrderLineRow.waiting_qty,
            )
            .join(OrderRow, OrderRow.id == OrderLineRow.order_id)
            .join(ProductRow, ProductRow.id == OrderLineRow.product_id)
            .join(SupplierRow, SupplierRow.id == ProductRow.supplier_id)
            .where(_WAITING)
            .order_by(OrderLineRow.placed_at, OrderLineRow.id)
        )
        result = self.tx.conn.execution_options(yield_per=2000).execute(stmt)
        for row in result:
            yield OpenLine(*row)

    def overview(self) -> Overview:
        # Grouped by the products' supplier, in the products' supplier index order, each
        # product's waiting lines read from the waiting index: no sort of every waiting line
        # by supplier (2.5x the work); names joined to the 1 row per supplier after.
        backlog = (
            select(
                ProductRow.supplier_id,
                func.count().label("lines"),
                func.sum(OrderLineRow.waiting_qty).label("units"),
                func.count(func.distinct(OrderLineRow.order_id)).label("orders"),
                func.min(OrderLineRow.placed_at).label("oldest"),
            )
            .select_from(ProductRow)
            .join(OrderLineRow, OrderLineRow.product_id == ProductRow.id)
            .where(_WAITING)
            .group_by(ProductRow.supplier_id)
            .subquery()
        )
        rows = self.tx.session.execute(
            select(
                SupplierRow.name,
                backlog.c.lines,
                backlog.c.units,
                backlog.c.orders,
                backlog.c.oldest,
            )
            .join(backlog, backlog.c.supplier_id == SupplierRow.id)
            .order_by(backlog.c.oldest, SupplierRow.id)
        ).all()
        unplaced = self.tx.session.execute(
            select(func.count())
            .select_from(OrderLineRow)
            .join(OrderRow, OrderRow.id == OrderLineRow.order_id)
            .where(
                OrderLineRow.issue.is_not(None),
                OrderLineRow.quantity > 0,
                OrderRow.cancelled_at.is_(None),
            )
        ).scalar_one()
        backlog = tuple(SupplierBacklog(*row) for row in rows)
        return Overview(suppliers=backlog, unplaced_lines=int(unplaced))


# Plain columns, not ORM entities: a receipt may read 20,000 orders at once.
_ORDER_COLUMNS = (
    OrderRow.id,
    OrderRow.source,
    OrderRow.external_id,
    OrderRow.number,
    OrderRow.customer,
    OrderRow.placed_at,
    OrderRow.cancelled_at,
    OrderRow.is_test,
)
_LINE_COLUMNS = (
    OrderLineRow.order_id,
    OrderLineRow.line_ref,
    OrderLineRow.sku,
    OrderLineRow.name,
    OrderLineRow.quantity,
    OrderLineRow.allocated_qty,
    OrderLineRow.waiting_qty,
    OrderLineRow.issue,
    OrderLineRow.cancelled_at,
    OrderLineRow.position,
    OrderLineRow.not_stock,
    OrderLineRow.promised_by,
)


def _line_status(line: Any, supplier: str | None) -> OrderLineStatus:
    return OrderLineStatus(
        line_ref=line.line_ref,
        sku=line.sku,
        name=line.name,
        quantity=line.quantity,
        allocated=line.allocated_qty,
        waiting=line.waiting_qty,
        issue=LineIssue(line.issue) if line.issue else None,
        supplier=supplier,
        cancelled_at=line.cancelled_at,
        position=line.position,
        not_stock=NotStock(line.not_stock) if line.not_stock else None,
        promised_by=line.promised_by,
    )


def _order_status(order: Any, lines: tuple[OrderLineStatus, ...]) -> OrderStatus:
    return OrderStatus(
        source=order.source,
        external_id=order.external_id,
        number=order.number,
        customer=order.customer,
        placed_at=order.placed_at,
        cancelled=order.cancelled_at is not None,
        lines=lines,
        test=order.is_test,
    )
