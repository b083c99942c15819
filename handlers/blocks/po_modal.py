"""The Adjust modal: a quantity per PO line and a note, and reading it back."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from domain.purchasing import PoLine, PurchaseOrderView
from handlers.blocks.formatting import bold, money, plural, units
from handlers.blocks.message import clip, context, section
from handlers.blocks.purchasing import _title, po_ref
from handlers.blocks.quantities import LINE_BLOCK, line_label, line_quantities
from handlers.ids import Action, BlockId, Callback

MAX_MODAL_BLOCKS = 100
MAX_LABEL = 2000


def _quantity_input(line: PoLine) -> InputBlock:
    """One line's quantity, with what customers wait for as the hint."""
    label = line_label(line.sku, line.name)
    hint = [f"{line.demand:,} waiting"]
    if line.case_pack > 1:
        hint.append(f"case of {line.case_pack:,}, rounded up to whole cases")
    if line.demand:
        hint.append(f"less than {line.demand:,} leaves the rest for the next cycle")
    return InputBlock(
        block_id=f"{LINE_BLOCK}{line.line_id}",
        label=PlainTextObject(text=clip(label, MAX_LABEL)),
        hint=PlainTextObject(text=" · ".join(hint)),
        element=PlainTextInputElement(
            action_id=str(Action.QUANTITY), initial_value=str(line.quantity)
        ),
    )


def adjust_modal(po: PurchaseOrderView) -> dict[str, Any]:
    """The Adjust modal: a quantity per line and a note; it remembers the version it showed."""
    if any(line.line_id is None for line in po.lines):
        raise ValueError("adjust_modal needs stored lines: every line must have its line_id")
    intro = section(
        f"{bold(_title(po))} · version {po.version}\n{units(po.units)} · {money(po.total)}\n"
        "Change a quantity, or enter 0 to drop a line."
    )
    room = MAX_MODAL_BLOCKS - 2  # the intro and the note
    shown: list[Block] = [_quantity_input(line) for line in po.lines[:room]]
    if len(po.lines) > room:
        shown = shown[: room - 1]
        left = len(po.lines) - len(shown)
        shown.append(context(f"…and {plural(left, 'more line')}: they keep their quantities."))
    note = InputBlock(
        block_id=str(BlockId.NOTE),
        label="Note",
        optional=True,
        hint="Why you changed it: kept in the PO's history.",
        element=PlainTextInputElement(action_id=str(Action.NOTE), multiline=True),
    )
    view = View(
        type="modal",
        callback_id=str(Callback.ADJUST_PO),
        private_metadata=po_ref(po),
        title="Adjust PO",
        submit="Save",
        close="Cancel",
        blocks=[intro, *shown, note],
    )
    return view.to_dict()


def parse_adjust_submission(
    view: dict[str, Any],
) -> tuple[dict[int, int], str | None, dict[str, str]]:
    """(quantity by line id, note, error by block_id) from a submitted adjust modal."""
    values: dict[str, Any] = view.get("state", {}).get("values", {})
    quantities, errors = line_quantities(view)
    note = ((values.get(BlockId.NOTE) or {}).get(Action.NOTE) or {}).get("value") or ""
    return quantities, note.strip() or None, errors
