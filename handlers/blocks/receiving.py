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

from domain.purchasing import PoStatus, PurchaseOrderView
from handlers.blocks.formatting import escape, plural
from handlers.blocks.message import Message, clip
from handlers.blocks.quantities import LINE_BLOCK, line_label, line_quantities
from handlers.ids import Action, BlockId, Callback

RECEIVABLE = (PoStatus.APPROVED, PoStatus.SENT)
MODAL_LINES = 97


def with_receive_button(message: Message, po: PurchaseOrderView) -> Message:
    """A sent PO's message offers to receive it."""
    if po.status not in RECEIVABLE or len(message.blocks) >= 50:
        return message
    button = ButtonElement(
        text="Receive", action_id=str(Action.RECEIVE_PO), value=str(po.po_id), style="primary"
    )
    actions = ActionsBlock(block_id=str(BlockId.RECEIVE_ACTIONS), elements=[button])
    return Message(message.text, [*message.blocks, actions.to_dict()])


def receive_modal(po: PurchaseOrderView, channel: str) -> dict[str, Any]:
    """One input per line (what is still to come, by default) and "cancel the rest"."""
    intro = SectionBlock(
        text=MarkdownTextObject(
            text=f"*{escape(po.number or 'PO')}* from {escape(po.supplier)}: "
            "enter what arrived. More than ordered goes to stock."
        )
    )
    inputs = [_line_input(line) for line in po.lines if line.line_id][:MODAL_LINES]
    close = InputBlock(
        block_id=str(BlockId.CLOSE_REST),
        optional=True,
        label="The rest",
        element=CheckboxesElement(
            action_id=str(Action.CLOSE_REST),
            options=[Option(value="close", text="Cancel what has not arrived (it waits again)")],
        ),
    )
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
        blocks=[intro, *inputs, *extra, close],
    )
    return view.to_dict()


def _line_input(line: Any) -> InputBlock:
    label = clip(line_label(line.sku, line.name), 150)
    return InputBlock(
        block_id=f"{LINE_BLOCK}{line.line_id}",
        label=label,
        hint=f"{line.outstanding} still to come of {line.quantity} ordered",
        element=PlainTextInputElement(
            action_id=str(Action.QUANTITY), initial_value=str(line.outstanding)
        ),
    )


def parse_receive_submission(
    view: dict[str, Any],
) -> tuple[dict[int, int], bool, dict[str, str]]:
    """(units by PO line id, cancel the rest?, field errors) from the submitted modal."""
    values: dict[str, Any] = view.get("state", {}).get("values", {})
    quantities, errors = line_quantities(view)
    quantities = {line: units for line, units in quantities.items() if units}
    chosen = (values.get(BlockId.CLOSE_REST) or {}).get(Action.CLOSE_REST) or {}
    close = any(o.get("value") == "close" for o in chosen.get("selected_options") or [])
    return quantities, close, errors
