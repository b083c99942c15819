"""Receive a sent PO (button or `/backorders receive PO-0001`) through a modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from domain.errors import DomainError, NotFound
from domain.order_refs import shown
from domain.purchase_orders import Actor
from handlers.blocks.message import Message
from handlers.blocks.receiving import (
    everything_arrived,
    parse_receive_submission,
    receipt_note,
    receive_modal,
)
from handlers.commands import ack_at_once, reply_kwargs
from handlers.errors import politely, reply_for
from handlers.ids import Action, Callback


def open_receive(desk: Any, po_id: int, channel: str, trigger_id: str, client: WebClient) -> None:
    view = desk.po(po_id)
    if view is None:
        raise NotFound("That purchase order does not exist.")
    client.views_open(trigger_id=trigger_id, view=receive_modal(view, channel))


@politely
def receive_clicked(
    body: dict[str, Any], respond: Respond, context: dict[str, Any], client: WebClient
) -> None:
    user = body["user"]["id"]
    if not context["approvers"].allows(user, client):
        respond(
            **reply_kwargs(
                Message("Only approvers can receive purchase orders.", []), in_channel=False
            )
        )
        return
    channel = (body.get("channel") or {}).get("id", context["desk"].channel)
    po_id = int(body["actions"][0]["value"])
    open_receive(context["desk"], po_id, channel, body["trigger_id"], client)


def validate_receive(ack: Ack, view: dict[str, Any]) -> None:
    _, _, errors = parse_receive_submission(view)
    if errors:
        ack(response_action="errors", errors=errors)
    else:
        ack()


def save_receive(
    body: dict[str, Any], view: dict[str, Any], context: dict[str, Any], client: WebClient
) -> None:
    """Record the receipt; the PO's thread and the channel hear the rest (outbox)."""
    quantities, close, errors = parse_receive_submission(view)
    if errors:
        return  # shown in the modal by validate_receive
    po_id, channel = view["private_metadata"].split(":", 1)
    user = body["user"]["id"]
    actor = Actor(user, context["approvers"].allows(user, client))
    try:
        everything, note = everything_arrived(view), receipt_note(view)
        result = context["desk"].receive_po(
            int(po_id),
            quantities,
            close,
            actor,
            all_arrived=everything,
            note=note,
            submission=f"{view.get('id', '')}:{view.get('hash', '')}"[:100],
        )
    except DomainError as error:
        client.chat_postEphemeral(channel=channel, user=user, text=reply_for(error))
        return
    numbers = [shown(order.number) for order in result.ready]
    more = f" …and {len(numbers) - 30} more" if len(numbers) > 30 else ""
    text = f"Received. Orders ready to ship: {', '.join(numbers[:30]) or 'none yet'}{more}."
    client.chat_postEphemeral(channel=channel, user=user, text=text)


def register(app: App) -> None:
    app.action(Action.RECEIVE_PO)(ack=ack_at_once, lazy=[receive_clicked])
    app.view(Callback.RECEIVE_PO)(ack=validate_receive, lazy=[save_receive])
