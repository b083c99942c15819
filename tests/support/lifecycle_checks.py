"""The purchase-order lifecycle machine's invariants, checked after every step (a mixin: the
machine in tests/integration/test_po_lifecycle.py keeps the model these read)."""

from __future__ import annotations

from collections import Counter

from hypothesis.stateful import invariant

from bot.facade import Backorders
from domain.purchasing import PurchaseOrderView
from storage.db import Database
from tests.support.lifecycle import (
    EMAIL_OF,
    SKU_NAMES,
    SKUS,
    SUPPLIERS,
    SupplierMailbag,
    all_allocated,
    demand_by_sku,
    ids_by_number,
    outbox_po_documents,
    scalars,
)


class LifecycleInvariants:
    """What must hold whatever people, stores and jobs did, read from the bot and its database."""

    database: Database
    desk: Backorders
    mailbag: SupplierMailbag
    ordered: dict[str, dict[str, int]]  # order number: SKU: units still wanted
    cancelled: set[str]  # whole orders cancelled
    expected_stock: dict[str, int]  # free stock + allocated, per SKU
    approved: dict[int, dict[str, int]]  # per PO id: the version a person approved
    adjusted: dict[int, dict[str, int]]  # per PO id: a person's last adjustment, until they act

    @invariant()
    def the_supplier_gets_what_a_person_approved(self) -> None:
        """Every PO document that left (email, or the file forwarded by hand) has exactly the
        quantities per SKU of the version a person approved."""
        numbers = {number: po_id for po_id, number in ids_by_number(self.database) if number}
        for number, documents in self.mailbag.sent.items():
            po_id = numbers[number]
            for how, lines in documents:
                assert po_id in self.approved, f"{number} went by {how}, approved by nobody"
                assert lines == self.approved[po_id], (number, how, lines, self.approved[po_id])

    @invariant()
    def no_job_undoes_a_persons_change(self) -> None:
        """After an Adjust, the proposal's quantities stay as adjusted until a person acts."""
        for po_id, adjusted in self.adjusted.items():
            view = self.desk.po(po_id)
            assert view is not None
            if view.number is None:
                assert quantities(view) == adjusted, (
                    f"PO {po_id} v{view.version} is {quantities(view)}; adjusted to {adjusted}",
                    view.decisions,
                )

    @invariant()
    def no_po_without_lines_is_approved_or_sent(self) -> None:
        """A PO that got a number (approved, sent, received) orders at least one unit."""
        for view in self._numbered():
            assert view.units > 0, f"{view.number} ({view.status}) has no lines"

    @invariant()
    def one_email_and_one_file_per_sent_po(self) -> None:
        """Each approved PO queues one file, and one email when its supplier has an address;
        the supplier's inbox and the channel get each at most once, retries or not."""
        queued = outbox_po_documents(self.database)
        for view in self._numbered():
            assert queued[(view.po_id, "slack.file")] == 1, (view.number, queued)
            emails = 1 if EMAIL_OF[view.supplier] else 0
            assert queued[(view.po_id, "email")] == emails, (view.number, queued)
            assert self.mailbag.count(view.number or "", "email") <= 1, f"{view.number} emailed"
            assert self.mailbag.count(view.number or "", "slack file") <= 1, view.number

    @invariant()
    def every_unit_of_demand_is_accounted_for(self) -> None:
        """Per SKU, every unit customers still want is allocated or waiting (cancelled ones
        neither), what is still to order is what waits beyond the POs in flight, and every
        unit that came in (stock, receipts) is on the shelf or given to an order line."""
        demand = demand_by_sku(self.database)
        for sku in SKU_NAMES:
            wanted = sum(
                lines.get(sku, 0) for n, lines in self.ordered.items() if n not in self.cancelled
            )
            ordered, allocated, waiting = demand.get(sku, (0, 0, 0))
            assert (ordered, allocated + waiting) == (wanted, wanted), (sku, demand[sku], wanted)
        if self.expected_stock:
            assert all_allocated(self.database) == self.expected_stock
        self._to_order_subtracts_pos_in_flight(demand)

    def _to_order_subtracts_pos_in_flight(self, demand: dict[str, tuple[int, int, int]]) -> None:
        in_flight: Counter[str] = Counter()
        # POs in flight and the open proposal alike: `/backorders supplier` shows the proposal
        # as it stands and only what waits beyond it as still to order
        for view in self.desk.open_pos():
            in_flight.update({line.sku: line.outstanding for line in view.lines})
        for supplier in SUPPLIERS:
            shown = {b.sku: b.to_order for b in self.desk.supplier(supplier.name).buffer}
            for sku, (owner, _) in SKUS.items():
                if owner == supplier.name:
                    due = max(demand[sku][2] - in_flight[sku], 0)
                    assert shown.get(sku, 0) == due, (supplier.name, sku, shown, in_flight)

    @invariant()
    def stock_is_never_negative(self) -> None:
        """No product's free stock is below zero."""
        on_hand = scalars(self.database, "SELECT sku, on_hand FROM products")
        assert all(units >= 0 for units in on_hand.values()), on_hand

    def _numbered(self) -> list[PurchaseOrderView]:
        views = [self.desk.po(po_id) for po_id, number in ids_by_number(self.database) if number]
        return [view for view in views if view is not None]


def quantities(view: PurchaseOrderView) -> dict[str, int]:
    """Units per SKU the PO orders (a dropped line orders none)."""
    return {line.sku: line.quantity for line in view.lines if line.quantity}
