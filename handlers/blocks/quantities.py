"""Quantities typed into a modal: whole numbers, 0 or more, read the way people type them."""

from __future__ import annotations

import re
from typing import Any

from handlers.blocks.message import clip
from handlers.ids import Action

MAX_QUANTITY = 1_000_000
LINE_BLOCK = "line:"
EMPTY = "Enter a quantity (0 drops the line)."
NEGATIVE = "A quantity can't be below zero."
TOO_MANY = f"That is more than {MAX_QUANTITY:,} units: check the number."
_WHOLE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)")


def parse_quantity(raw: str | None) -> tuple[int | None, str | None]:
    """(quantity, None) for a whole number ≥ 0 ("1,200" and spaces allowed), else (None, why)."""
    text = "".join((raw or "").split()).replace("\u2212", "-")  # a typographic minus too
    if not text:
        return None, EMPTY
    if not _WHOLE.fullmatch(text):
        return None, f"“{clip((raw or '').strip(), 40)}” is not a whole number."
    quantity = int(text.replace(",", ""))
    if quantity < 0:
        return None, NEGATIVE
    return (quantity, None) if quantity <= MAX_QUANTITY else (None, TOO_MANY)


def line_quantities(values: dict[str, Any]) -> tuple[dict[int, int], dict[str, str]]:
    """(quantity by line id, error by block id) from a modal's `line:<id>` inputs."""
    quantities: dict[int, int] = {}
    errors: dict[str, str] = {}
    for block_id, inputs in values.items():
        line_id = block_id.removeprefix(LINE_BLOCK)
        if not block_id.startswith(LINE_BLOCK) or not line_id.isdigit():
            continue
        quantity, error = parse_quantity((inputs.get(Action.QUANTITY) or {}).get("value"))
        if error:
            errors[block_id] = error
        elif quantity is not None:
            quantities[int(line_id)] = quantity
    return quantities, errors
