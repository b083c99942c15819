"""The lifecycle machine's stores and catalog: orders, their new versions and cancellations
(in the store or in Slack, whole or one SKU), and catalog re-imports (a mixin: the machine in
tests/integration/test_po_lifecycle.py keeps the clock and the bot)."""

from __future__ import annotations

from datetime import datetime

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, consumes, rule

from bot.facade import Backorders
from domain.errors import DomainError
from domain.model import IncomingOrder
from domain.purchase_orders import Actor
from tests.support.builders import delivery, order
from tests.support.lifecycle import SKU_NAMES, shop_catalog

BOSS = Actor("U1", True)
STOCK = st.integers(min_value=0, max_value=4)
QUANTITY = st.integers(min_value=1, max_value=5)
ORDER_LINES = st.lists(st.sampled_from(SKU_NAMES), min_size=1, max_size=3, unique=True)


class StoresAndCatalog:
    """What happens to orders and stock outside purchasing, and what the test expects of it."""

    desk: Backorders
    now: datetime
    serial: int
    ordered: dict[str, dict[str, int]]  # order number: SKU: units still wanted (0: cancelled)
    placed: dict[str, datetime]
    cancelled: set[str]  # whole orders cancelled
    expected_stock: dict[str, int]  # free stock + allocated, per SKU

    orders = Bundle("orders")

    def tick(self, minutes: int = 1) -> None:
        raise NotImplementedError

    @rule(target=orders, skus=ORDER_LINES, data=st.data())
    def new_order(self, skus: list[str], data: st.DataObject) -> str:
        self.serial += 1
        number = str(self.serial)
        lines = {sku: data.draw(QUANTITY, label=sku) for sku in skus}
        self.tick()
        note(f"ingest new order {number} {lines}")
        self.desk.ingest(delivery(order(number, *lines.items(), placed=self.now)))
        self.ordered[number], self.placed[number] = lines, self.now
        return number

    @rule(number=orders, data=st.data())
    def store_updates_order(self, number: str, data: st.DataObject) -> None:
        lines = {sku: data.draw(QUANTITY, label=sku) for sku in self.ordered[number]}
        self.tick()
        note(f"ingest update of {number} {lines}")
        self.desk.ingest(delivery(self._version(number, lines)))
        if number not in self.cancelled:
            kept = {sku for sku, units in self.ordered[number].items() if units}
            self.ordered[number] = {sku: lines[sku] if sku in kept else 0 for sku in lines}

    @rule(number=consumes(orders))
    def store_cancels_order(self, number: str) -> None:
        self.tick()
        note(f"ingest cancellation of {number}")
        self.desk.ingest(delivery(self._version(number, self.ordered[number], cancelled=True)))
        self.cancelled.add(number)

    def _version(
        self, number: str, lines: dict[str, int], cancelled: bool = False
    ) -> IncomingOrder:
        """The store's next version: same line refs, placed when it was first ingested."""
        quantities = [(sku, lines[sku]) for sku in self.ordered[number]]
        placed = self.placed[number]
        return order(number, *quantities, placed=placed, updated=self.now, cancelled=cancelled)

    @rule(number=orders, data=st.data())
    def slack_cancels(self, number: str, data: st.DataObject) -> None:
        """`/backorders cancel <order> [SKU]` by an approver."""
        sku = data.draw(st.none() | st.sampled_from(sorted(self.ordered[number])), label="sku")
        self.tick()
        note(f"cancel_from_slack({number}, {sku})")
        already = number in self.cancelled or (sku is not None and not self.ordered[number][sku])
        try:
            self.desk.cancel_from_slack(number, sku, BOSS)
        except DomainError as error:
            assert already, f"cancelling {number} {sku} was refused: {error}"
            return
        if sku is None:
            self.cancelled.add(number)
        else:
            self.ordered[number][sku] = 0

    @rule(stock=st.dictionaries(st.sampled_from(SKU_NAMES), STOCK, min_size=1, max_size=2))
    def reimport_catalog(self, stock: dict[str, int]) -> None:
        on_hand = self._on_hand()
        new = on_hand | stock
        self.tick()
        note(f"import_catalog({new})")
        self.desk.import_catalog(shop_catalog(new))
        for sku, units in new.items():
            self.expected_stock[sku] += units - on_hand[sku]

    def _on_hand(self) -> dict[str, int]:
        return {sku: self.desk.sku(sku).on_hand for sku in SKU_NAMES}
