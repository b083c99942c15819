"""The customer-notice machine's stores and customers: orders with and without an address, test
orders, webhooks replayed and versions re-sent, cancellations (in the store or in Slack, whole
or one SKU), and customers' choices on their journey page (a mixin: the machine in
tests/integration/test_customer_notice_lifecycle.py keeps the clock and the bot)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from hypothesis import event, note
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, rule

from bot.facade import Backorders
from bot.web.journey_desk import CustomerDesk
from domain.customer_choices import Choice
from domain.errors import DomainError
from domain.model import Delivery, IncomingOrder
from domain.purchase_orders import Actor
from storage.db import Database
from tests.support.builders import order
from tests.support.notice_lifecycle import SKU_NAMES, order_id

BOSS = Actor("U1", True)
QUANTITY = st.integers(min_value=1, max_value=4)
# None: the order states no ship-by date (the catalog's or customers.promise_days is used).
STATED_PROMISE = st.none() | st.integers(min_value=1, max_value=20)
# (units per SKU, with an email, a test order, days to the ship-by date the order states)
STORE_EVENTS = ("replay", "resend", "update", "cancel")
NewOrder = tuple[dict[str, int], bool, bool, int | None]
NEW_ORDER = st.tuples(
    st.dictionaries(st.sampled_from(SKU_NAMES), QUANTITY, min_size=1, max_size=3),
    st.sampled_from([True, True, True, False]),
    st.sampled_from([False, False, False, True]),
    STATED_PROMISE,
)


@dataclass
class ShopOrder:
    """An order as the store knows it, and what the test must remember of its customer."""

    number: str
    email: str | None
    test: bool
    skus: list[str]
    placed: datetime
    promised_by: date | None
    deliveries: list[Delivery] = field(default_factory=list)

    def version(self, quantities: dict[str, int], at: datetime, cancelled: bool) -> IncomingOrder:
        """The store's version at `at`: same line refs, placed when it was first sent."""
        lines = [(sku, quantities.get(sku, 0)) for sku in self.skus]
        incoming = order(self.number, *lines, placed=self.placed, updated=at, cancelled=cancelled)
        return replace(
            incoming,
            customer_email=self.email,
            customer_first_name="Ann" if self.email else None,
            test=self.test,
            promised_by=self.promised_by,
        )


class StoresAndCustomers:
    """What stores and customers do to orders, and what the test remembers of it."""

    database: Database
    desk: Backorders
    now: datetime
    serial: int
    shop: dict[str, ShopOrder]  # order number: the order
    opted_out: set[str]  # order numbers whose customer asked for no more emails

    orders = Bundle("orders")

    def tick(self, minutes: int = 1) -> None:
        raise NotImplementedError

    @rule(target=orders, drawn=NEW_ORDER)
    def new_order(self, drawn: NewOrder) -> str:
        return self._new_order(*drawn)

    def _new_order(
        self, quantities: dict[str, int], with_email: bool, test: bool, promise: int | None
    ) -> str:
        self.serial += 1
        self.tick()
        number = str(self.serial)
        email = f"buyer{number}@example.com" if with_email else None
        stated = (self.now + timedelta(days=promise)).date() if promise else None
        placed = ShopOrder(number, email, test, sorted(quantities), self.now, stated)
        note(f"new order {number} {quantities} email={email} test={test} ships_by={stated}")
        self.shop[number] = placed
        self._send(placed, placed.version(quantities, self.now, cancelled=False))
        return number

    def _send(self, shop_order: ShopOrder, incoming: IncomingOrder) -> None:
        key = f"{shop_order.number}-{len(shop_order.deliveries) + 1}"
        sent = Delivery(incoming.source, key, "order", incoming)
        shop_order.deliveries.append(sent)
        self.desk.ingest(sent)

    @rule(number=orders, what=st.sampled_from(STORE_EVENTS), data=st.data())
    def store_sends(self, number: str, what: str, data: st.DataObject) -> None:
        """A webhook from the store: a delivery replayed, the latest version re-sent as a new
        delivery, a new version (a line at 0 is cut in the store), or the cancellation."""
        shop_order = self.shop[number]
        self.tick()
        if what == "replay":
            sent = data.draw(st.sampled_from(shop_order.deliveries), label="delivery")
            note(f"webhook {sent.key} of {number} replayed")
            self.desk.ingest(sent)
            return
        latest = shop_order.deliveries[-1].order
        if what == "resend":
            note(f"latest version of {number} re-sent as a new delivery")
            self._send(shop_order, latest)
            return
        quantities = {line.sku or "": line.quantity for line in latest.lines}
        if what == "update":
            units = st.integers(min_value=0, max_value=4)
            quantities = {sku: data.draw(units, label=sku) for sku in shop_order.skus}
        note(f"store sends {number} {what}: {quantities}")
        version = shop_order.version(quantities, self.now, cancelled=what == "cancel")
        self._send(shop_order, version)

    @rule(number=orders, data=st.data())
    def slack_cancels(self, number: str, data: st.DataObject) -> None:
        """`/backorders cancel <order> [SKU]` by an approver."""
        skus = st.none() | st.sampled_from(self.shop[number].skus)
        sku = data.draw(skus, label="sku")
        self.tick()
        note(f"/backorders cancel {number} {sku or ''}")
        try:
            self.desk.cancel_from_slack(number, sku, BOSS)
        except DomainError as error:
            event("slack cancel refused")
            note(f"refused: {error}")

    @rule(number=orders, choice=st.sampled_from(list(Choice)))
    def customer_chooses(self, number: str, choice: Choice) -> None:
        """The customer answers on their journey page (keep waiting, cancel, no more emails)."""
        found = order_id(self.database, number)
        if found is None:
            return  # a test order the store sent while test orders are not kept
        self.tick()
        note(f"customer of {number} chooses {choice.value}")
        result = CustomerDesk(self.desk).choose(found, choice, "fingerprint")
        assert result is not None, f"order {number}'s journey page does not know it"
        if choice is Choice.OPT_OUT:
            self.opted_out.add(number)
        event(f"customer chose {choice.value}")
