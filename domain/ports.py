"""What the services need from storage, as protocols; storage implements them, fakes too."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from domain.model import Catalog, Delivery, IncomingOrder, LineState, OrderState, StockLevel
from domain.notifications import Notice
from domain.po_rules import BufferState, DemandLine, SupplierTerms
from domain.promises import Promise
from domain.purchase_order import PurchaseOrder
from domain.purchasing import PoItem, PurchaseOrderView
from domain.views import (
    BackorderSummary,
    Digest,
    OpenLine,
    OrderStatus,
    Overview,
    SkuStatus,
    SupplierStatus,
)

if TYPE_CHECKING:
    from domain.fulfilment import FilledOrder


class DeliveryLog(Protocol):
    def record(self, delivery: Delivery, received_at: datetime) -> int | None:
        """Store the delivery; None when this key was stored before (a repeat)."""

    def set_outcome(self, delivery_id: int, outcome: str) -> None: ...


class Orders(Protocol):
    def claim(self, order: IncomingOrder, received_at: datetime) -> tuple[int, OrderState | None]:
        """Create the order, or lock the stored one and return its state.

        The state's lines are read unlocked, to learn their SKUs; whoever changes a line's
        allocation holds its product's stock lock, so re-read them with `lock_lines` after
        `Stock.lock`. Locks are always taken order, then products, then lines: no deadlocks.
        """

    def claim_delivered(
        self, delivery: Delivery, received_at: datetime
    ) -> tuple[int, int, OrderState | None] | None:
        """`Deliveries.record` then `claim`, in one round trip where the database can: the
        delivery's id, the order's id and its stored state (None if new); None for a repeat
        delivery, which claims nothing."""

    def lock_lines(self, order_id: int) -> dict[str, LineState]:
        """The order's lines, locked; read only while holding their products' stock locks."""

    def save_version(self, order_id: int, order: IncomingOrder) -> None: ...

    def save_lines(
        self,
        order_id: int,
        placed_at: datetime,
        lines: Iterable[LineState],
        taking: dict[int, int] | None = None,
    ) -> None:
        """Store the order's lines, and the free stock they take by product (negative: give
        back), written with them: in one statement where the database can."""

    def waiting_fifo(self, product_id: int, limit: int) -> list[LineState]:
        """Up to `limit` waiting lines of a product, oldest first (order placed, then arrival)."""

    def save_fills(self, lines: Iterable[LineState]) -> None: ...

    def mark_cancelled(self, order_id: int, at: datetime) -> None: ...

    def find_by_number(self, number: str) -> list[tuple[int, OrderState]]:
        """Orders with this number (any source), each locked for update."""

    def unpromised(self, order_id: int) -> list[tuple[int, str, datetime, int | None, int | None]]:
        """The order's waiting lines without a promise: (line id, line ref, placed at, the
        product's promise days, its supplier's)."""

    def save_promises(self, promised: Iterable[tuple[int, Promise]]) -> None: ...


class Stock(Protocol):
    def lock(self, skus: Iterable[str]) -> dict[str, StockLevel]:
        """Free stock of these SKUs (unknown ones left out), locked until commit."""

    def lock_ids(self, product_ids: Iterable[int]) -> dict[int, StockLevel]: ...

    def take(self, taken: dict[int, int]) -> None:
        """Remove units from free stock (negative: give back); never below zero."""


class CatalogStore(Protocol):
    def upsert(self, catalog: Catalog) -> tuple[int, int]:
        """Insert or update suppliers and products; returns (added, updated) products."""

    def product_ids_with_stock(self) -> list[int]: ...


class BackorderQueries(Protocol):
    def sku(self, sku: str) -> SkuStatus | None: ...

    def order(self, number: str) -> list[OrderStatus]: ...

    def order_sources(self, number: str) -> dict[int, str]:
        """The store of each order with this number, by order id."""

    def supplier(self, name: str) -> SupplierStatus | None: ...

    def overview(self) -> Overview: ...

    def catalog_size(self) -> int: ...

    def supplier_names(self) -> list[str]:
        """Every supplier's name, for suggesting one when a name is mistyped."""

    def skus(self) -> list[str]:
        """Every SKU in the catalog, for suggesting one when a SKU is mistyped."""

    def orders_by_ids(self, order_ids: list[int]) -> dict[int, OrderStatus]: ...

    def filled_orders(self, order_ids: list[int]) -> list[FilledOrder]:
        """Each of these orders, in id order, with the units its lines still wait for summed:
        no lines read (a receipt may fill 20,000 orders)."""

    def open_lines(self) -> Iterator[OpenLine]:
        """Every waiting line, oldest first, streamed (for the export workbook)."""


class Outbox(Protocol):
    def add(self, notice: Notice, now: datetime) -> bool:
        """Queue a notice in this transaction; False when one with its key is queued already."""


class SummaryQueue(Protocol):
    def add(self, order_id: int, entries: Iterable[tuple[str, int]], now: datetime) -> None:
        """Queue (line ref, units) of an order for the next new-backorder summary."""

    def take(self) -> BackorderSummary:
        """Remove everything queued and return it as one summary (two callers never share)."""


class SeenEvents(Protocol):
    def first_time(self, event_id: str, now: datetime) -> bool:
        """Record an incoming event by its id; False when this event was handled before."""


class Purchasing(Protocol):
    """Purchase orders in storage: `load` and `save` the aggregate (purchasing's use cases);
    `lock`, `lines`, `update` and `record` are receiving's row-level access."""

    def supplier(self, name: str) -> SupplierTerms | None: ...

    def demand(self, supplier_id: int) -> list[DemandLine]: ...

    def all_demand(self) -> dict[int, list[DemandLine]]:
        """Every supplier's uncovered demand, in one set-based query."""

    def buffers(self, of: Collection[int] | None = None) -> list[BufferState]:
        """Each supplier's buffer; with `of`, only those suppliers'."""

    def load(self, po_id: int, lock: bool = True) -> PurchaseOrder | None: ...

    def load_open(self, supplier_id: int) -> PurchaseOrder | None: ...

    def create(
        self,
        terms: SupplierTerms,
        trigger: str,
        now: datetime,
        items: list[PoItem],
        period_key: str | None = None,
    ) -> PurchaseOrder | None: ...

    def save(self, po: PurchaseOrder) -> None: ...

    def served_by(self, product_ids: list[int]) -> tuple[int, datetime | None]: ...

    def catalog_skus(self, skus: set[str]) -> set[str]: ...

    def lock(self, po_id: int) -> Any: ...

    def lines(self, po_id: int) -> list[Any]: ...

    def served(self) -> dict[int, tuple[int, datetime | None]]: ...

    def submitted(self, submission: str) -> bool: ...

    def receive(
        self,
        po_id: int,
        quantities: dict[int, int],
        by: str,
        now: datetime,
        lead_days: float | None,
        submission: str | None = None,
    ) -> dict[int, int]: ...

    def lead_times(self, supplier_id: int, last: int = 20) -> list[tuple[float, bool]]: ...

    def spare_on_order(self) -> list[tuple[str, str, int]]: ...

    def update(self, po_id: int, **values: Any) -> None: ...

    def next_number(self, prefix: str) -> str: ...

    def id_of(self, number: str) -> int | None: ...

    def view(self, po_id: int) -> PurchaseOrderView: ...

    def open_views(self, supplier_id: int | None = None) -> list[PurchaseOrderView]: ...

    def record(
        self,
        po_id: int,
        action: str,
        actor: str,
        at: datetime,
        before: object = None,
        after: object = None,
        note: str | None = None,
    ) -> None: ...


class Periods(Protocol):
    def claim(self, key: str, now: datetime) -> bool:
        """True the first time `key` is claimed: the effect is done once per period."""


class DigestSource(Protocol):
    def build(self, week_start: datetime, week_end: datetime, now: datetime) -> Digest: ...


class EtaFacts(Protocol):
    def order_ids(self, number: str) -> list[int]: ...

    def waiting_lines(self, order_id: int) -> list[Any]:
        """Records with line_ref, product_id, supplier_id, waiting, ahead (units before it)."""

    def on_order(self, product_id: int, fallback: datetime) -> list[tuple[str, datetime, int]]: ...


class QueuedEtas(Protocol):
    def queue(self) -> list[Any]:
        """Waiting lines with line_id, order_number, sku, product_id, supplier_id, waiting,
        ahead (units before it in its product's queue) and first_expected_at."""

    def on_order(self, fallback: datetime) -> dict[int, list[tuple[str, datetime, int]]]: ...

    def remember_first(self, firsts: list[tuple[int, datetime]]) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: rolls back on exit unless `commit()` was called."""

    deliveries: DeliveryLog
    orders: Orders
    stock: Stock
    catalog: CatalogStore
    queries: BackorderQueries
    outbox: Outbox
    summaries: SummaryQueue
    events: SeenEvents
    purchasing: Purchasing
    periods: Periods
    digest: DigestSource
    eta: EtaFacts
    etas: QueuedEtas

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
