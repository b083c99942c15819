"""What a store's reader yields: an order as the webhook parsers read it, or why it was refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.model import IncomingOrder
from handlers.webhooks.fields import WebhookRejected


@dataclass(frozen=True)
class Refused:
    """An order the store's API returned that the bot cannot read (the webhook would get 400)."""

    order_id: str
    reason: str


Fetched = IncomingOrder | Refused


def read_or_refuse(
    parse: Callable[[dict[str, Any], datetime], IncomingOrder], data: dict[str, Any], now: datetime
) -> Fetched:
    try:
        return parse(data, now)
    except WebhookRejected as rejected:
        return Refused(str(data.get("id")), rejected.message)
