"""Quantities typed into a modal: whole numbers, 0 or more, read the way people type them."""

from __future__ import annotations

import re
from typing import Any

from handlers.blocks.message import clip
from handlers.ids import Action

MAX_QUANTITY = 1_000_000
LINE_BLOCK = "line:"
LABEL_SEPARATOR = " · "  # a line's label is "SKU · name": the SKU names it in field errors
WHOLE_UNITS = "enter a whole number of units, 0 or more."
EMPTY = WHOLE_UNITS
NEGATIVE = f"below zero: {WHOLE_UNITS}"
TOO_MANY = f"more than {MAX_QUANTITY:,} units: check the number."
UNNAMED = "This line"
_WHOLE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)")


def line_label(sku: str, name: str) -> str:
    """The label over a line's quantity: "SKU · name", either left out when empty."""
    return LABEL_SEPARATOR.join(part for part in (sku.strip(), name.strip()) if part) or "—"


def parse_quantity(raw: str | None) -> tuple[int | None, str | None]:
    """(quantity, None) for a whole number ≥ 0 ("1,200" and spaces allowed), else (None, why).

    `why` reads after the line's name: "BK-TUBE-700: enter a whole number of units, 0 or more."
    """
    text = "".join((raw or "").split()).replace("\u2212", "-")  # a typographic minus too
    if not text:
        return None, EMPTY
    if not _WHOLE.fullmatch(text):
        return None, f"“{clip((raw or '').strip(), 40)}” is not a whole number: {WHOLE_UNITS}"
    quantity = int(text.replace(",", ""))
    if quantity < 0:
        return None, NEGATIVE
    return (quantity, None) if quantity <= MAX_QUANTITY else (None, TOO_MANY)


def line_names(view: dict[str, Any]) -> dict[str, str]:
    """What each `line:<id>` input is called (its SKU), read from the submitted view's labels:
    Slack shows a field error under its input, but the console and screen readers show it alone.
    """
    names: dict[str, str] = {}
    for block in view.get("blocks") or []:
        block_id = str(block.get("block_id") or "")
        label = block.get("label")
        text = label.get("text", "") if isinstance(label, dict) else str(label or "")
        if block_id.startswith(LINE_BLOCK) and text.strip():
            names[block_id] = text.split(LABEL_SEPARATOR)[0].strip()
    return names


def line_quantities(view: dict[str, Any]) -> tuple[dict[int, int], dict[str, str]]:
    """(quantity by line id, error by block id) from a submitted modal's `line:<id>` inputs;
    each error starts with the line's SKU: "BK-TUBE-700: enter a whole number of units, …"."""
    values: dict[str, Any] = view.get("state", {}).get("values", {})
    names = line_names(view)
    quantities: dict[int, int] = {}
    errors: dict[str, str] = {}
    for block_id, inputs in values.items():
        line_id = block_id.removeprefix(LINE_BLOCK)
        if not block_id.startswith(LINE_BLOCK) or not line_id.isdigit():
            continue
        quantity, error = parse_quantity((inputs.get(Action.QUANTITY) or {}).get("value"))
        if error:
            errors[block_id] = f"{names.get(block_id, UNNAMED)}: {error}"
        elif quantity is not None:
            quantities[int(line_id)] = quantity
    return quantities, errors
