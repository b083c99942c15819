"""What the Slack listeners need from the bot, as a protocol: they never see storage."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from domain.lead_times import Coverage, LeadTimes
from domain.purchase_orders import Actor
from domain.purchasing import PurchaseOrderView
from domain.views import OrderStatus, Overview, SkuStatus, SupplierStatus


class Desk(Protocol):
    """The stateless service facade Bolt puts in every listener's context as `desk`."""

    deadline_text: str
    channel: str
    zone: ZoneInfo

    def now(self) -> datetime: ...

    def channel_link(self) -> str: ...

    def overview(self) -> Overview: ...

    def sku(self, sku: str) -> SkuStatus: ...

    def order(self, number: str) -> list[OrderStatus]: ...

    def supplier(self, name: str) -> SupplierStatus: ...

    def request_export(self, channel: str, requested_by: str) -> None: ...

    def first_time_event(self, event_id: str) -> bool: ...

    def raise_po(self, supplier: str, user: str) -> PurchaseOrderView: ...

    def post_digest(self, scheduled: bool = True) -> bool: ...

    def cancel_from_slack(self, number: str, sku: str | None, actor: Actor) -> str: ...

    def po_by_number(self, number: str) -> PurchaseOrderView | None: ...

    def order_etas(self, number: str) -> dict[str, Coverage]: ...

    def lead_times(self, supplier: str) -> LeadTimes: ...

    def receive_po(
        self,
        po_id: int,
        quantities: dict[int, int],
        close_rest: bool,
        actor: Actor,
        *,
        all_arrived: bool = False,
        note: str = "",
        submission: str | None = None,
    ) -> Any: ...

    def open_pos(self) -> list[PurchaseOrderView]: ...

    def po(self, po_id: int) -> PurchaseOrderView | None: ...

    def approve_po(self, po_id: int, version: int, actor: Actor) -> PurchaseOrderView: ...

    def hold_po(self, po_id: int, version: int, actor: Actor) -> PurchaseOrderView: ...

    def take_in_po(self, po_id: int, version: int, actor: Actor) -> PurchaseOrderView: ...

    def adjust_refusals(self, po_id: int, named: dict[int, str]) -> dict[int, str]: ...

    def mark_po_sent(self, po_id: int, version: int, actor: Actor) -> PurchaseOrderView: ...

    def send_po_again(self, po_id: int, version: int, actor: Actor) -> PurchaseOrderView: ...

    def adjust_po(
        self, po_id: int, version: int, quantities: dict[int, int], note: str | None, actor: Actor
    ) -> PurchaseOrderView: ...
