"""Approve, Adjust, Hold and Take in on a PO proposal; Mark sent and Send again on a PO whose
email may have gone; the adjust modal. Ack first, then decide."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from domain.errors import NotFound
from domain.purchase_orders import Actor, EmptyPo, NotAllowed, PoChanged, UnknownLines
from handlers.blocks.message import Message
from handlers.blocks.po_modal import adjust_modal, parse_adjust_submission
from handlers.blocks.purchasing import (
    not_allowed_message,
    parse_po_ref,
    stale_click_message,
)
from handlers.blocks.quantities import LINE_BLOCK, line_names
from handlers.commands import ack_at_once, reply_kwargs
from handlers.errors import politely
from handlers.ids import Action, Callback


def _click(body: dict[str, Any]) -> tuple[int, int, str]:
    """The PO id and version the button was rendered with, and who clicked."""
    po_id, version = parse_po_ref(body["actions"][0]["value"])
    return po_id, version, body["user"]["id"]


def _actor(user: str, context: dict[str, Any], client: WebClient) -> Actor:
    return Actor(user, context["approvers"].allows(user, client))


def _tell(respond: Respond, message: Message) -> None:
    respond(**reply_kwargs(message, in_channel=False))


def _decide(
    body: dict[str, Any], respond: Respond, context: dict[str, Any], client: WebClient, verb: str
) -> None:
    desk = context["desk"]
    po_id, version, user = _click(body)
    actor = _actor(user, context, client)
    try:
        _tell(respond, Message(_DONE[verb](desk, po_id, version, actor), []))
    except NotAllowed:
        _tell(respond, not_allowed_message(_ACTIONS[verb]))
    except EmptyPo as empty:
        _tell(respond, Message(f"{empty} Adjust it, hold it, or take in what waits.", []))
    except PoChanged as changed:
        action = _ACTIONS[verb]
        _tell(
            respond,
            stale_click_message(changed.po, desk.now(), desk.deadline_text, desk.zone, action),
        )


def _approve(desk: Any, po_id: int, version: int, actor: Actor) -> str:
    view = desk.approve_po(po_id, version, actor)
    return f"Approved: {view.number} goes to {view.supplier}."


def _hold(desk: Any, po_id: int, version: int, actor: Actor) -> str:
    view = desk.hold_po(po_id, version, actor)
    return f"Held: {view.supplier}'s buffer waits for the deadline."


def _take_in(desk: Any, po_id: int, version: int, actor: Actor) -> str:
    view = desk.take_in_po(po_id, version, actor)
    return f"Taken in: {view.supplier}'s proposal is now version {view.version}."


def _mark_sent(desk: Any, po_id: int, version: int, actor: Actor) -> str:
    view = desk.mark_po_sent(po_id, version, actor)
    return f"Marked sent: {view.supplier} has {view.number}; nothing is emailed again."


def _send_again(desk: Any, po_id: int, version: int, actor: Actor) -> str:
    view = desk.send_po_again(po_id, version, actor)
    return f"Sending {view.number} to {view.supplier} again."


_DONE = {
    "approve": _approve,
    "hold": _hold,
    "take_in": _take_in,
    "mark_sent": _mark_sent,
    "send_again": _send_again,
}
_ACTIONS = {
    "approve": Action.APPROVE_PO,
    "hold": Action.HOLD_PO,
    "take_in": Action.TAKE_IN_PO,
    "mark_sent": Action.MARK_PO_SENT,
    "send_again": Action.SEND_PO_AGAIN,
}


def _button(move: str) -> Callable[..., None]:
    """The lazy listener of one PO button: the same decision, named by its move."""

    def listener(
        body: dict[str, Any], respond: Respond, context: dict[str, Any], client: WebClient
    ) -> None:
        _decide(body, respond, context, client, move)

    listener.__name__ = listener.__qualname__ = move
    return politely(listener)


approve = _button("approve")
hold = _button("hold")
take_in = _button("take_in")
mark_sent = _button("mark_sent")
send_again = _button("send_again")


@politely
def open_adjust(
    body: dict[str, Any], respond: Respond, context: dict[str, Any], client: WebClient
) -> None:
    """The modal, for approvers, on the version they clicked (or the fresh one, said so)."""
    desk = context["desk"]
    po_id, version, user = _click(body)
    if not _actor(user, context, client).is_approver:
        _tell(respond, not_allowed_message("adjust"))
        return
    view = desk.po(po_id)
    if view is None:
        raise NotFound("That purchase order no longer exists.")
    if view.version != version or view.status != "proposed":
        _tell(
            respond,
            stale_click_message(view, desk.now(), desk.deadline_text, desk.zone, Action.ADJUST_PO),
        )
        return
    modal = adjust_modal(view)
    channel = (body.get("channel") or {}).get("id", desk.channel)
    modal["private_metadata"] = f"{po_id}:{version}:{channel}"
    client.views_open(trigger_id=body["trigger_id"], view=modal)


def validate_adjust(ack: Ack, view: dict[str, Any], context: dict[str, Any]) -> None:
    """Field errors are shown in the modal itself, before anything is saved: a bad number,
    or a line that is not on this PO (named by its SKU, and whether the catalog has it)."""
    quantities, _, errors = parse_adjust_submission(view)
    if not errors and quantities:
        po_id = int(view["private_metadata"].split(":")[0])
        names = line_names(view)
        named = {lid: names.get(f"{LINE_BLOCK}{lid}", f"line {lid}") for lid in quantities}
        refusals = context["desk"].adjust_refusals(po_id, named)
        errors = {f"{LINE_BLOCK}{lid}": why for lid, why in refusals.items()}
    if errors:
        ack(response_action="errors", errors=errors)
    else:
        ack()


def save_adjust(
    body: dict[str, Any], view: dict[str, Any], context: dict[str, Any], client: WebClient
) -> None:
    desk = context["desk"]
    quantities, note, errors = parse_adjust_submission(view)
    if errors:
        return  # the modal showed them (validate_adjust); lazy listeners run regardless
    po_id, version, channel = view["private_metadata"].split(":", 2)
    user = body["user"]["id"]
    try:
        desk.adjust_po(int(po_id), int(version), quantities, note, _actor(user, context, client))
    except NotAllowed:
        message = not_allowed_message("adjust")
    except PoChanged as changed:
        message = stale_click_message(changed.po, desk.now(), desk.deadline_text, desk.zone)
    except UnknownLines as unknown:
        message = Message(str(unknown), [])
    else:
        return
    client.chat_postEphemeral(
        channel=channel, user=user, text=message.text, blocks=message.blocks or None
    )


def register(app: App) -> None:
    app.action(Action.APPROVE_PO)(ack=ack_at_once, lazy=[approve])
    app.action(Action.HOLD_PO)(ack=ack_at_once, lazy=[hold])
    app.action(Action.TAKE_IN_PO)(ack=ack_at_once, lazy=[take_in])
    app.action(Action.ADJUST_PO)(ack=ack_at_once, lazy=[open_adjust])
    app.action(Action.MARK_PO_SENT)(ack=ack_at_once, lazy=[mark_sent])
    app.action(Action.SEND_PO_AGAIN)(ack=ack_at_once, lazy=[send_again])
    app.view(Callback.ADJUST_PO)(ack=validate_adjust, lazy=[save_adjust])
