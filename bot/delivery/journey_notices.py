"""What the team hears when a customer answers from their journey page."""

from __future__ import annotations

from typing import Any

from bot.delivery.rendered import Post
from domain.order_refs import shown
from domain.wording import plural
from handlers.blocks.formatting import escape
from handlers.blocks.purchasing import po_thread_note


def customer_cancelled(facts: dict[str, Any]) -> Post:
    """`Order #1001: the customer cancelled what was waiting (2 TUBE, 1 PADS) …`."""
    parts = ", ".join(f"{units} {escape(str(sku))}" for sku, units in facts["lines"])
    units = sum(int(units) for _, units in facts["lines"])
    number = escape(shown(str(facts["number"])))
    text = (
        f"🙅 Order {number}: the customer cancelled what was waiting from their order page: "
        f"{plural(units, 'waiting unit')} ({parts}). Refund them in the shop; anything already "
        "set aside from stock still ships."
    )
    if not parts:  # no longer posted: a cancel that dropped nothing tells the team nothing
        text = f"Order {number}: the customer asked to cancel, but nothing was waiting: no refund."
    note = po_thread_note(text, None)
    return Post(note.text, note.blocks)
