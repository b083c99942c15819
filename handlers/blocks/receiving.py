"""Receiving in Slack: the Receive button on a sent PO, and the receive modal."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from domain.purchasing import PoState, PurchaseOrderView
from handlers.blocks.formatting import escape, plural
from handlers.blocks.message import Message, clip
from handlers.blocks.quantities import LINE_BLOCK, line_label, line_quantities
from handlers.ids import Action, BlockId, Callback

RECEIVABLE = (PoState.APPROVED, PoState.SENT, PoState.PARTLY_RECEIVED)
MODAL_LINES = 95  # Slack allows 100 blocks: intro, two boxes, "…and more", the note
NOTE_MAX = 500


def with_receive_button(message: Message, po: PurchaseOrderView) -> Message:
    """A PO on its way (approved, sent, partly received) offers to receive what arrives."""
    if po.state not in RECEIVABLE or len(message.blocks) >= 50:
        return message
    button = ButtonElement(
        text="Receive", action_id=str(Action.RECEIVE_PO), value=str(po.po_id), style="primary"
    )
    actions = ActionsBlock(block_id=str(BlockId.RECEIVE_ACTIONS), elements=[button])
    return Message(message.text, [*message.blocks, actions.to_dict()])


def receive_modal(po: PurchaseOrderView, channel: str) -> dict[str, Any]:
    """One input per line, at zero: only what someone types (or "everything arrived") counts."""
    intro = SectionBlock(
        text=MarkdownTextObject(
            text=f"*{escape(po.number or 'PO')}* from {escape(po.supplier)}: "
            "enter what arrived. More than ordered goes to stock."
        )
    )
    inputs = [_line_input(line) for line in po.lines if line.line_id][:MODAL_LINES]
    more = len([line for line in po.lines if line.line_id]) - len(inputs)
    extra = (
        [ContextBlock(elements=[MarkdownTextObject(text=f"…and {plural(more, 'more line')}")])]
        if more > 0
        else []
    )
    view = View(
        type="modal",
        callback_id=str(Callback.RECEIVE_PO),
        private_metadata=f"{po.po_id}:{channel}",
        title="Receive PO",
        submit="Receive",
        close="Cancel",
        blocks=[
            intro,
            _box(ALL, ALL_TEXT, "All of it"),
            *inputs,
            *extra,
            _box(CLOSE, CLOSE_TEXT),
            _note_input(),
        ],
    )
    return view.to_dict()


ALL, CLOSE = (BlockId.ALL_ARRIVED, Action.ALL_ARRIVED), (BlockId.CLOSE_REST, Action.CLOSE_REST)
ALL_TEXT = "Everything arrived: receive all that is still to come"
CLOSE_TEXT = "Cancel what has not arrived (it waits again)"
NOTHING = "Nothing to receive: type what arrived, or tick “Everything arrived”."


def _box(ids: tuple[str, str], text: str, label: str = "The rest") -> InputBlock:
    """An optional checkbox; the console ticks it with `+` and its first word."""
    block_id, action_id = ids
    option = Option(value=action_id, text=text)
    element = CheckboxesElement(action_id=action_id, options=[option])
    return InputBlock(block_id=block_id, optional=True, label=label, element=element)


def _line_input(line: Any) -> InputBlock:
    label = clip(line_label(line.sku, line.name), 150)
    return InputBlock(
        block_id=f"{LINE_BLOCK}{line.line_id}",
        label=label,
        hint=f"{line.outstanding} still to come of {line.quantity} ordered",
        element=PlainTextInputElement(action_id=str(Action.QUANTITY), initial_value="0"),
    )


def _note_input() -> InputBlock:
    element = PlainTextInputElement(action_id=str(Action.NOTE), max_length=NOTE_MAX)
    return InputBlock(block_id=str(BlockId.NOTE), optional=True, label="Note", element=element)


def receipt_note(view: dict[str, Any]) -> str:
    """The note typed on the form (kept on the PO's history), or ""."""
    values: dict[str, Any] = view.get("state", {}).get("values", {})
    typed = (values.get(BlockId.NOTE) or {}).get(Action.NOTE) or {}
    return str(typed.get("value") or "").strip()[:NOTE_MAX]


def _ticked(values: dict[str, Any], ids: tuple[str, str]) -> bool:
    chosen = (values.get(ids[0]) or {}).get(ids[1]) or {}
    return bool(chosen.get("selected_options"))


def everything_arrived(view: dict[str, Any]) -> bool:
    """Whether "everything arrived" is ticked: every line's outstanding units are received."""
    return _ticked(view.get("state", {}).get("values", {}), ALL)


def parse_receive_submission(
    view: dict[str, Any],
) -> tuple[dict[int, int], bool, dict[str, str]]:
    """(units by PO line id, cancel the rest?, field errors) from the submitted modal."""
    values: dict[str, Any] = view.get("state", {}).get("values", {})
    quantities, errors = line_quantities(view)
    quantities = {line: units for line, units in quantities.items() if units}
    close = _ticked(values, CLOSE)
    if not (errors or quantities or close or everything_arrived(view)):
        errors = {BlockId.ALL_ARRIVED.value: NOTHING}  # a form sent untouched receives nothing
    return quantities, close, errors
