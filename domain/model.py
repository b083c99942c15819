"""The nouns of backordering: suppliers, products, orders and their lines, as plain values."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.promises import Promise

# Bounds on what a store may send. The largest line a small retailer ships is a few thousand
# units; 100,000 leaves room for bulk orders. Sums across orders (stock, PO lines, receipts) are
# 64-bit on both databases, so no number of such lines overflows them.
MAX_LINE_QUANTITY = 100_000
# Shopify and WooCommerce orders carry a few lines, a wholesale one a few hundred; 1,000 keeps
# one order's units (at most 10^8) from swamping every supplier's PO.
MAX_ORDER_LINES = 1_000
# Order versions are dated between this and the bot's clock plus FUTURE_TOLERANCE: a version
# dated far ahead would make every later genuine version (even a cancellation) look stale.
EARLIEST_ORDER_TIME = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)


@dataclass(frozen=True)
class Supplier:
    """Who we buy a product from, and on what terms."""

    name: str
    email: str | None
    lead_time_days: int
    min_order_qty: int
    promise_days: int | None = None  # promised ship-by for its products; None: the default


@dataclass(frozen=True)
class Product:
    """A SKU we sell; `on_hand` is free stock, units on the shelf not yet promised to an order."""

    sku: str
    name: str
    supplier: str
    on_hand: int
    case_pack: int
    unit_cost: Decimal
    promise_days: int | None = None  # overrides the supplier's


@dataclass(frozen=True)
class Catalog:
    """A whole catalog workbook, already checked row by row."""

    suppliers: tuple[Supplier, ...]
    products: tuple[Product, ...]
    # Whether the file had a promise_days column; without one, the days kept before stay.
    supplier_promises: bool = False
    product_promises: bool = False


class OrderSource(enum.StrEnum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    GENERIC = "orders"


class LineIssue(enum.StrEnum):
    """Why an order line could not be placed; such lines are kept and shown to the team."""

    NO_SKU = "no_sku"
    UNKNOWN_SKU = "unknown_sku"


class NotStock(enum.StrEnum):
    """Why a line is recorded but never takes stock, waits or is flagged."""

    NO_SHIPPING = "no_shipping"  # gift cards, digital goods, tips: nothing to ship
    FULFILLED = "fulfilled"  # the shop had already sent it when the bot first saw it
    TEST_ORDER = "test_order"  # a store's test order: no real demand


class ForTestOrders(enum.StrEnum):
    """What the bot does with a store's test orders (`stores.test_orders`)."""

    RECORD = "record"  # kept, marked as a test, never stock or demand
    IGNORE = "ignore"  # answered and forgotten


@dataclass(frozen=True)
class IncomingLine:
    """One line of an order as the store sent it."""

    line_ref: str
    sku: str | None
    name: str
    quantity: int
    # 1, 2, 3... as the store lists the lines: how people name it, not what it is
    position: int = field(default=0, compare=False)
    not_stock: NotStock | None = None  # as the store describes the line now
    # Units the shop had already sent (Shopify: quantity less `fulfillable_quantity`): when the
    # bot first sees the line they are not demand, and they never become demand later.
    sent: int = 0
    promised_by: date | None = None  # the ship-by date the store states for this line


@dataclass(frozen=True)
class IncomingOrder:
    """An order as the store sees it at `updated_at`, normalised from any source."""

    source: OrderSource
    external_id: str
    number: str
    placed_at: datetime
    updated_at: datetime
    cancelled: bool
    lines: tuple[IncomingLine, ...]
    customer: str | None = None
    order_number: str | None = None  # the store's own number when `number` is a name
    test: bool = False
    stage: int = 0  # how far along its life: breaks ties between versions of one second
    cancelled_at: datetime | None = None  # the store's time of the cancellation
    customer_email: str | None = None  # whom customer notices go to; None: nobody
    customer_first_name: str | None = None
    promised_by: date | None = None  # the ship-by date the store states for the whole order


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery: `key` is unique per delivery, so a repeat is recognised."""

    source: OrderSource
    key: str
    topic: str
    order: IncomingOrder


@dataclass
class LineState:
    """A stored order line: how much was ordered, taken from stock, and is still waiting."""

    line_ref: str
    sku: str | None
    quantity: int
    allocated: int
    waiting: int
    issue: LineIssue | None = None
    line_id: int | None = None
    product_id: int | None = None
    name: str = ""
    backordered: int = 0  # units that ever had to wait: the digest's "units backordered"
    order_id: int | None = None
    cancelled_at: datetime | None = None  # cancelled on its own by a person: it stays so
    position: int | None = None
    not_stock: NotStock | None = None  # recorded only: never stock, demand or a flag
    promise: Promise | None = None  # given before a new line is first stored


@dataclass
class OrderState:
    """A stored order and the store's version of it that we last applied."""

    order_id: int
    number: str
    placed_at: datetime
    updated_at: datetime
    cancelled: bool
    lines: dict[str, LineState] = field(default_factory=dict)
    stage: int = 0


@dataclass(frozen=True)
class StockLevel:
    """A product's free stock, read under a lock for allocation."""

    product_id: int
    sku: str
    on_hand: int
    product_days: int | None = None  # the catalog's promise days: the product's, then
    supplier_days: int | None = None  # its supplier's (see domain.promises)
