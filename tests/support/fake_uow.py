"""An in-memory unit of work: the domain's use cases run on dicts and lists, no database.

What a use case changes lives in a working copy of the shop (`Shop`); `commit()` makes it the
shop everyone sees, leaving the `with` block without committing (or `rollback()`) drops it,
as the SQL unit of work does. The purchasing side is in `tests.support.fake_purchasing`.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

from domain.fulfilment import FilledOrder
from domain.model import LineState, StockLevel
from domain.po_rules import SupplierTerms
from domain.purchase_orders import PurchasingSetup
from domain.views import OrderLineStatus, OrderStatus
from tests.support.fake_shop import Shop, ShopOrder, ShopProduct

__all__ = ["FakeUnitOfWork", "Shop", "ShopOrder", "ShopProduct", "purchasing_setup", "words"]


class FakeStock:
    """Free stock per product: the `Stock` port."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def lock(self, skus: Iterable[str]) -> dict[str, StockLevel]:
        wanted = set(skus)
        return {p.sku: _level(p) for p in self._uow.shop.products.values() if p.sku in wanted}

    def lock_ids(self, product_ids: Iterable[int]) -> dict[int, StockLevel]:
        products = self._uow.shop.products
        return {pid: _level(products[pid]) for pid in product_ids if pid in products}

    def take(self, taken: dict[int, int]) -> None:
        for pid, units in taken.items():
            product = self._uow.shop.products[pid]
            product.on_hand = max(product.on_hand - units, 0)


def _level(product: ShopProduct) -> StockLevel:
    return StockLevel(product.product_id, product.sku, product.on_hand)


class FakeOrders:
    """Order lines waiting for stock: what receiving fills, oldest first (the `Orders` port)."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def waiting_fifo(self, product_id: int, limit: int) -> list[LineState]:
        shop = self._uow.shop
        waiting = [
            line
            for line in shop.lines.values()
            if line.product_id == product_id and line.waiting > 0
        ]
        waiting.sort(key=lambda line: (shop.orders[line.order_id or 0].placed_at, line.line_id))
        return [copy.copy(line) for line in waiting[:limit]]

    def save_fills(self, lines: Iterable[LineState]) -> None:
        for line in lines:
            stored = self._uow.shop.lines[line.line_id or 0]
            stored.allocated, stored.waiting = line.allocated, line.waiting

    def lock_lines(self, order_id: int) -> dict[str, LineState]:
        lines = self._uow.shop.lines.values()
        return {line.line_ref: line for line in lines if line.order_id == order_id}

    def mark_cancelled(self, order_id: int, at: datetime) -> None:
        self._uow.shop.orders[order_id].cancelled = True

    def claim(self, order: Any, received_at: datetime) -> Any:
        raise NotImplementedError(_ELSEWHERE.format("ingesting orders"))

    def claim_delivered(self, delivery: Any, received_at: datetime) -> Any:
        raise NotImplementedError(_ELSEWHERE.format("ingesting orders"))

    def save_version(self, order_id: int, order: Any) -> None:
        raise NotImplementedError(_ELSEWHERE.format("ingesting orders"))

    def save_lines(
        self,
        order_id: int,
        placed_at: datetime,
        lines: Iterable[LineState],
        taking: dict[int, int] | None = None,
    ) -> None:
        raise NotImplementedError(_ELSEWHERE.format("ingesting orders"))

    def find_by_number(self, number: str) -> list[tuple[int, Any]]:
        raise NotImplementedError(_ELSEWHERE.format("cancelling orders"))

    def unpromised(self, order_id: int) -> list[tuple[int, str, datetime, int | None, int | None]]:
        raise NotImplementedError(_ELSEWHERE.format("ingesting orders"))

    def save_promises(self, promised: Iterable[tuple[int, Any]]) -> None:
        raise NotImplementedError(_ELSEWHERE.format("ingesting orders"))


_ELSEWHERE = "The fake unit of work holds purchasing only; {} is tested against the databases."


class FakeQueries:
    """The reads purchasing and receiving make of orders and the catalog."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def orders_by_ids(self, order_ids: list[int]) -> dict[int, OrderStatus]:
        return {oid: self._status(oid) for oid in order_ids if oid in self._uow.shop.orders}

    def filled_orders(self, order_ids: list[int]) -> list[FilledOrder]:
        shop = self._uow.shop
        return [
            FilledOrder(oid, order.number, order.cancelled, self._status(oid).waiting_units)
            for oid in sorted(set(order_ids))
            if (order := shop.orders.get(oid)) is not None
        ]

    def _status(self, order_id: int) -> OrderStatus:
        shop = self._uow.shop
        order = shop.orders[order_id]
        lines = tuple(
            OrderLineStatus(
                line.line_ref,
                line.sku,
                line.name,
                line.quantity,
                line.allocated,
                line.waiting,
                line.issue,
                None,
                line.cancelled_at,
            )
            for line in shop.lines.values()
            if line.order_id == order_id
        )
        return OrderStatus(
            "orders", str(order_id), order.number, None, order.placed_at, order.cancelled, lines
        )

    def supplier_names(self) -> list[str]:
        return sorted(terms.name for terms in self._uow.shop.suppliers.values())

    def skus(self) -> list[str]:
        return sorted(product.sku for product in self._uow.shop.products.values())

    def catalog_size(self) -> int:
        return len(self._uow.shop.products)

    def order_sources(self, number: str) -> dict[int, str]:
        orders = self._uow.shop.orders.items()
        return {oid: "orders" for oid, order in orders if order.number == number}

    def sku(self, sku: str) -> Any:
        raise NotImplementedError(_ELSEWHERE.format("the status views"))

    def order(self, number: str) -> list[OrderStatus]:
        raise NotImplementedError(_ELSEWHERE.format("the status views"))

    def supplier(self, name: str) -> Any:
        raise NotImplementedError(_ELSEWHERE.format("the status views"))

    def overview(self) -> Any:
        raise NotImplementedError(_ELSEWHERE.format("the status views"))

    def open_lines(self) -> Iterator[Any]:
        raise NotImplementedError(_ELSEWHERE.format("the export"))


class FakeOutbox:
    """Notices queued in the transaction, stored as the domain wrote them; a key counts once."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def add(self, notice: Any, now: datetime) -> bool:
        key = getattr(notice, "key", None)
        if key is not None and any(getattr(n, "key", None) == key for n in self._uow.shop.outbox):
            return False
        self._uow.shop.outbox.append(notice)
        return True


class FakePeriods:
    """Once-per-period marks: the `Periods` port."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def claim(self, key: str, now: datetime) -> bool:
        if key in self._uow.shop.periods:
            return False
        self._uow.shop.periods[key] = now
        return True


@dataclass
class Absent:
    """A port this fake leaves out: using it says so instead of passing silently."""

    name: str

    def __getattr__(self, attribute: str) -> Any:
        raise NotImplementedError(_ELSEWHERE.format(f"uow.{self.name}"))


@dataclass
class FakeUnitOfWork:
    """One transaction over `committed`: `with uow:` works on a copy, `commit()` keeps it."""

    committed: Shop = field(default_factory=Shop)
    commits: int = 0
    _open: bool = False

    def __post_init__(self) -> None:
        from tests.support.fake_purchasing import FakePurchasing

        self.shop = copy.deepcopy(self.committed)
        self.purchasing = FakePurchasing(self)
        self.stock, self.orders, self.queries = FakeStock(self), FakeOrders(self), FakeQueries(self)
        self.outbox, self.periods = FakeOutbox(self), FakePeriods(self)
        for name in ("deliveries", "catalog", "summaries", "events", "digest", "eta", "etas"):
            setattr(self, name, Absent(name))

    def __enter__(self) -> Self:
        assert not self._open, "a use case opened a transaction inside another"
        self.shop, self._open = copy.deepcopy(self.committed), True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self._open = False

    def commit(self) -> None:
        self.committed = copy.deepcopy(self.shop)
        self.commits += 1

    def rollback(self) -> None:
        self.shop = copy.deepcopy(self.committed)

    # arranging the shop, committed at once (what earlier transactions left)

    def supplier(self, name: str, email: str | None = None, lead: int = 5, minimum: int = 0) -> int:
        sid = self.committed.new_id()
        self.committed.suppliers[sid] = SupplierTerms(sid, name, email, lead, minimum)
        return sid

    def product(
        self, sku: str, supplier_id: int, case_pack: int = 1, on_hand: int = 0, cost: str = "5"
    ) -> int:
        pid = self.committed.new_id()
        self.committed.products[pid] = ShopProduct(
            pid, sku, sku.title(), supplier_id, on_hand, case_pack, Decimal(cost)
        )
        return pid

    def waiting(self, number: str, product_id: int, units: int, placed: datetime) -> int:
        """An order whose line waits for `units` of the product; its id."""
        shop = self.committed
        oid = shop.new_id()
        shop.orders[oid] = ShopOrder(oid, number, placed)
        lid = shop.new_id()
        sku = shop.products[product_id].sku
        shop.lines[lid] = LineState(
            f"{number}-1", sku, units, 0, units, line_id=lid, product_id=product_id, order_id=oid
        )
        shop.lines[lid].name, shop.lines[lid].backordered = sku.title(), units
        return oid

    # what people notice, as committed

    def notices(self) -> list[Any]:
        return list(self.committed.outbox)


class PlainPresenter:
    """How a PO looks, for a domain that still asks for it (the outbox refactor drops it)."""

    def proposal(self, po: Any) -> dict[str, Any]:
        return {"po_id": po.po_id}

    def note(self, text: str) -> dict[str, Any]:
        return {"text": text}


def purchasing_setup(email_enabled: bool = False) -> PurchasingSetup:
    """The team's channel C0PURCHASE, numbers PO-0001 on; no email unless asked."""
    values: dict[str, Any] = {"channel": "C0PURCHASE", "po_prefix": "PO-"}
    values["email_enabled"] = email_enabled
    if "present" in {f.name for f in dataclasses.fields(PurchasingSetup)}:
        values["present"] = PlainPresenter()
    return PurchasingSetup(**values)


def words(notice: Any) -> dict[str, Any]:
    """What a queued notice says, whichever shape the domain gives it (facts or payload)."""
    said = getattr(notice, "facts", None)
    return dict(said if said is not None else getattr(notice, "payload", {}))
