"""Approve, Adjust and Hold on a PO proposal; the adjust modal. Ack first, then decide."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from domain.errors import NotFound
from domain.purchase_orders import Actor, NotAllowed, PoChanged
from handlers.blocks.message import Message
from handlers.blocks.po_modal import adjust_modal, parse_adjust_submission
from handlers.blocks.purchasing import (
    not_allowed_message,
    stale_click_message,
)
from handlers.commands import ack_at_once, reply_kwargs
from handlers.errors import politely
from handlers.ids import Action, Callback


def _click(body: dict[str, Any]) -> tuple[int, int, str]:
    """The PO id and version the button was rendered with, and who clicked."""
    po_id, version = body["actions"][0]["value"].split(":")
    return int(po_id), int(version), body["user"]["id"]


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
        if verb == "approve":
            view = desk.approve_po(po_id, version, actor)
            _tell(respond, Message(f"Approved: {view.number} goes to {view.supplier}.", []))
        else:
            view = desk.hold_po(po_id, version, actor)
            _tell(respond, Message(f"Held: {view.supplier}'s buffer waits for the deadline.", []))
    except NotAllowed:
        _tell(respond, not_allowed_message(verb))
    except PoChanged as changed:
        action = Action.APPROVE_PO if verb == "approve" else Action.HOLD_PO
        _tell(
            respond,
            stale_click_message(changed.po, desk.now(), desk.deadline_text, desk.zone, action),
        )


@politely
def approve(
    body: dict[str, Any], respond: Respond, context: dict[str, Any], client: WebClient
) -> None:
    _decide(body, respond, context, client, "approve")


@politely
def hold(
    body: dict[str, Any], respond: Respond, context: dict[str, Any], client: WebClient
) -> None:
    _decide(body, respond, context, client, "hold")


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


def validate_adjust(ack: Ack, view: dict[str, Any]) -> None:
    """Field errors are shown in the modal itself, before anything is saved."""
    _, _, errors = parse_adjust_submission(view)
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
    else:
        return
    client.chat_postEphemeral(
        channel=channel, user=user, text=message.text, blocks=message.blocks or None
    )


def register(app: App) -> None:
    app.action(Action.APPROVE_PO)(ack=ack_at_once, lazy=[approve])
    app.action(Action.HOLD_PO)(ack=ack_at_once, lazy=[hold])
    app.action(Action.ADJUST_PO)(ack=ack_at_once, lazy=[open_adjust])
    app.view(Callback.ADJUST_PO)(ack=validate_adjust, lazy=[save_adjust])
