"""Purchase orders at the desk: raise, follow buffers, adjust, hold, approve, receive."""

from __future__ import annotations

from bot.desk.base import DeskBase
from bot.scheduling.calendar import next_weekly
from domain import po_sending as sending
from domain import purchase_orders as po
from domain import receiving
from domain.purchasing import OPEN_STATUSES, PurchaseOrderView
from domain.receiving import ReceiptResult


class PurchaseOrders(DeskBase):
    """The PO use cases, each in its own transaction."""

    def raise_po(self, supplier: str, user: str) -> PurchaseOrderView:
        return po.raise_po(self._writer(), supplier, user, self.clock(), self.purchasing)

    def check_buffers(self) -> list[str]:
        """Proposals follow their buffers; buffers at their minimum are proposed early."""
        return po.check_buffers(self._writer(), self.clock(), self.purchasing)

    def approve_po(self, po_id: int, version: int, actor: po.Actor) -> PurchaseOrderView:
        return sending.approve_po(
            self._writer(), po_id, version, actor, self.clock(), self.purchasing
        )

    def mark_po_sent(self, po_id: int, version: int, actor: po.Actor) -> PurchaseOrderView:
        """An approver says the supplier has the PO whose email may have gone."""
        return sending.mark_sent_by_hand(
            self._writer(), po_id, version, actor, self.clock(), self.purchasing
        )

    def send_po_again(self, po_id: int, version: int, actor: po.Actor) -> PurchaseOrderView:
        """An approver has the PO whose email may have gone emailed once more."""
        return sending.send_again(
            self._writer(), po_id, version, actor, self.clock(), self.purchasing
        )

    def take_in_po(self, po_id: int, version: int, actor: po.Actor) -> PurchaseOrderView:
        """An approver takes in the demand that arrived since the last adjustment."""
        return po.take_in_po(self._writer(), po_id, version, actor, self.clock(), self.purchasing)

    def adjust_refusals(self, po_id: int, named: dict[int, str]) -> dict[int, str]:
        """Why lines an Adjust form names (by line id, with their SKU) are not this PO's."""
        return po.unknown_lines(self._reader(), po_id, named)

    def adjust_po(
        self,
        po_id: int,
        version: int,
        quantities: dict[int, int],
        note: str | None,
        actor: po.Actor,
    ) -> PurchaseOrderView:
        return po.adjust_po(
            self._writer(), po_id, version, quantities, note, actor, self.clock(), self.purchasing
        )

    def hold_po(self, po_id: int, version: int, actor: po.Actor) -> PurchaseOrderView:
        until = next_weekly(self.clock(), self.config.purchasing.deadline, self.zone)
        return po.hold_po(
            self._writer(), po_id, version, actor, until, self.clock(), self.purchasing
        )

    def receive_po(
        self,
        po_id: int,
        quantities: dict[int, int],
        close_rest: bool,
        actor: po.Actor,
        *,
        all_arrived: bool = False,
        note: str = "",
        submission: str | None = None,
    ) -> ReceiptResult:
        return receiving.receive_po(
            self._writer(),
            po_id,
            quantities,
            close_rest,
            actor,
            self.clock(),
            self.purchasing,
            self.config.ship_policy,
            all_arrived,
            note,
            submission,
        )

    def po(self, po_id: int) -> PurchaseOrderView | None:
        with self._reader() as uow:
            return uow.purchasing.view(po_id)

    def po_by_number(self, number: str) -> PurchaseOrderView | None:
        with self._reader() as uow:
            po_id = uow.purchasing.id_of(number.strip())
            view = uow.purchasing.view(po_id) if po_id is not None else None
        return view if view is not None and view.status in OPEN_STATUSES else None

    def open_pos(self) -> list[PurchaseOrderView]:
        return po.open_pos(self._reader())

    def email_delayed(self, po_id: int, error: str) -> None:
        sending.email_delayed(self._writer(), po_id, error, self.clock(), self.purchasing)
