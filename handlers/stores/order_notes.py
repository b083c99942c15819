"""What the store is told when a customer is: the words of a WooCommerce customer note (the
customer reads it: WooCommerce emails it), the line in a Shopify order's note (staff read it),
and the Shopify tag of each kind. Worded from the notice alone, never from the clock, so the
same notice always makes the same text and a text already on the order is found again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

TAGS = {"backordered": ["backordered"], "delayed": ["delayed"]}
TOLD = {
    "backordered": "backordered",
    "delayed": "delayed",
    "on_its_way": "on its way",
}


def _items(lines: Sequence[tuple[str, str, int]]) -> str:
    return ", ".join(f"{name or sku} ({units})" for sku, name, units in lines)


def _day(day: date | None) -> str:
    return f"{day:%A %-d %B %Y}" if day else "as soon as we can"


def customer_note(
    kind: str,
    lines: Sequence[tuple[str, str, int]],
    about: date | None,
    reason: str | None,
    journey_url: str,
) -> str:
    """The note WooCommerce emails the customer."""
    items = _items(lines)
    if kind == "backordered":
        # true whether or not a PO is out yet (the note is worded from the notice alone)
        said = f"Part of your order is waiting for our supplier: {items}. "
        said += f"We expect to ship it by {_day(about)}."
    elif kind == "delayed":
        said = f"Part of your order will be later than we promised: {items}. "
        said += f"We now expect to ship it by {_day(about)}"
        said += f", because {reason}." if reason else "."
        said += " You can keep waiting or cancel those items on your order's page."
    else:
        said = f"The items you waited for are on their way: {items}."
    return f"{said} Follow your order: {journey_url}"


def staff_note_line(kind: str, lines: Sequence[tuple[str, str, int]], about: date | None) -> str:
    """The line added to a Shopify order's note."""
    when = f", expected {about:%-d %b %Y}" if about and kind != "on_its_way" else ""
    return f"Backorder Bot: customer told {TOLD.get(kind, kind)}{when}: {_items(lines)}"


def tags_for(kind: str) -> list[str]:
    return TAGS.get(kind, [])
