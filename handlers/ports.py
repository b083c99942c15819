"""What the Slack listeners need from the bot, as a protocol: they never see storage."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.views import OrderStatus, Overview, SkuStatus, SupplierStatus


class Desk(Protocol):
    """The stateless service facade Bolt puts in every listener's context as `desk`."""

    deadline_text: str

    def now(self) -> datetime: ...

    def overview(self) -> Overview: ...

    def sku(self, sku: str) -> SkuStatus: ...

    def order(self, number: str) -> list[OrderStatus]: ...

    def supplier(self, name: str) -> SupplierStatus: ...

    def request_export(self, channel: str, requested_by: str) -> None: ...

    def first_time_event(self, event_id: str) -> bool: ...
