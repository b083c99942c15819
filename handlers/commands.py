"""`/backorders`: acknowledged at once, answered right after through the response URL."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
)

from domain.errors import DomainError
from domain.purchase_orders import Actor
from domain.purchasing import PoStatus
from handlers.blocks.formatting import units
from handlers.blocks.journey import (
    customer_story_text,
    journey_line,
    lead_time_text,
    with_section,
)
from handlers.blocks.message import Message
from handlers.blocks.purchasing import po_list_message
from handlers.blocks.queries import (
    order_message,
    overview_message,
    sku_message,
    supplier_message,
    unknown_command_message,
    usage_message,
)
from handlers.errors import politely
from handlers.ids import COMMAND, Action
from handlers.ports import Desk

MAX_BLOCKS = 50
PROPOSING = (PoStatus.PROPOSED, PoStatus.HELD)


class UsageError(DomainError):
    """The command was understood but something it needs is missing."""


@dataclass(frozen=True)
class Ask:
    """One `/backorders` question: the subcommand, its argument, who and where."""

    verb: str
    argument: str
    text: str
    user: str
    channel: str
    approver: bool = False

    @classmethod
    def parse(cls, text: str, user: str = "", channel: str = "") -> Ask:
        text = html.unescape(text)  # Slack sends &, < and > escaped
        words = text.strip().split(maxsplit=1)
        verb = words[0].lower() if words else "status"
        return cls(verb, words[1].strip() if len(words) > 1 else "", text.strip(), user, channel)


def _argument(ask: Ask, what: str, example: str) -> str:
    if not ask.argument:
        raise UsageError(f"Which {what}? Try `{COMMAND} {ask.verb} {example}`.")
    return ask.argument


def _status(desk: Desk, ask: Ask) -> Message:
    return overview_message(desk.overview(), desk.now())


def _sku(desk: Desk, ask: Ask) -> Message:
    return sku_message(desk.sku(_argument(ask, "SKU", "BK-TUBE-700")), desk.now())


def _order(desk: Desk, ask: Ask) -> Message:
    """Each line from stock or waiting; each waiting line's PO and expected date."""
    number = _argument(ask, "order", "1001` or `shopify:1001")
    statuses = desk.order(number)
    message = order_message(statuses, desk.now(), number)
    etas = desk.order_etas(number)
    lines = [
        journey_line(line, etas[line.line_ref], status.placed_at, desk.zone)
        for status in statuses
        for line in status.lines
        if line.line_ref in etas
    ]
    if lines:
        message = with_section(message, "*When*\n" + "\n".join(lines))
    told = customer_story_text(desk.customer_story(number), desk.zone)
    return with_section(message, told) if told else message


def _supplier(desk: Desk, ask: Ask) -> Message:
    """The terms and buffer, then any open proposal and the POs in flight."""
    status = desk.supplier(_argument(ask, "supplier", "Velo Parts Ltd"))
    pos = [po for po in desk.open_pos() if po.supplier == status.name]
    proposal = next((po for po in pos if po.status in PROPOSING), None)
    message = with_section(
        supplier_message(status, desk.now(), desk.deadline_text, proposal, desk.zone),
        lead_time_text(desk.lead_times(status.name)),
    )
    pos = [po for po in pos if po is not proposal]  # shown above, as it stands
    if not pos:
        return message
    in_flight = po_list_message(pos, desk.now(), desk.zone)
    blocks = [*message.blocks, DividerBlock().to_dict(), *in_flight.blocks]
    return Message(message.text, blocks[:MAX_BLOCKS])


def _export(desk: Desk, ask: Ask) -> Message:
    desk.request_export(ask.channel, ask.user)
    text = f"The workbook of open backorders is on its way to <#{ask.channel}>."
    return Message(text=text, blocks=[])


def _raise(desk: Desk, ask: Ask) -> Message:
    view = desk.raise_po(_argument(ask, "supplier", "Velo Parts Ltd"), ask.user)
    text = (
        f"{view.supplier}'s buffer is proposed in {desk.channel_link()}: "
        f"{units(view.units)}, {view.total:,.2f}."
    )
    return Message(text=text, blocks=[])


def _pos(desk: Desk, ask: Ask) -> Message:
    return po_list_message(desk.open_pos(), desk.now(), desk.zone)


def _digest(desk: Desk, ask: Ask) -> Message:
    desk.post_digest(scheduled=False)
    return Message(
        f"The digest is on its way to {desk.channel_link()}, its workbook in the thread.", []
    )


def _cancel(desk: Desk, ask: Ask) -> Message:
    """`cancel <order> [SKU]`: approvers only (the desk checks); `shopify:1001` names the store."""
    # "shopify: 1001" is one order, not order "shopify:" and SKU 1001
    words = re.sub(r":\s+", ":", _argument(ask, "order", "1001 [SKU]")).split()
    actor = Actor(ask.user, ask.approver)
    sku = words[1] if len(words) > 1 else None
    return Message(desk.cancel_from_slack(words[0], sku, actor), [])


def _help(desk: Desk, ask: Ask) -> Message:
    return usage_message()


ANSWERS: dict[str, Callable[[Desk, Ask], Message]] = {
    "help": _help,
    "status": _status,
    "sku": _sku,
    "order": _order,
    "supplier": _supplier,
    "export": _export,
    "raise": _raise,
    "pos": _pos,
    "digest": _digest,
    "cancel": _cancel,
}
SHAREABLE = frozenset({"status", "sku", "order", "supplier", "pos"})


def answer(desk: Desk, ask: Ask) -> Message:
    """What the bot says to one question."""
    reply = ANSWERS.get(ask.verb)
    if reply is None:
        return unknown_command_message(ask.text)
    return reply(desk, ask)


def with_share_button(message: Message, ask: Ask) -> Message:
    """An ephemeral answer offers to post itself in the channel for everyone."""
    if ask.verb not in SHAREABLE or len(message.blocks) >= MAX_BLOCKS or len(ask.text) > 2000:
        return message
    button = ButtonElement(text="Share in channel", action_id=Action.SHARE_REPLY, value=ask.text)
    return Message(message.text, [*message.blocks, ActionsBlock(elements=[button]).to_dict()])


def reply_kwargs(message: Message, *, in_channel: bool) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"text": message.text, "replace_original": False}
    kwargs["response_type"] = "in_channel" if in_channel else "ephemeral"
    if message.blocks:
        kwargs["blocks"] = message.blocks
    return kwargs


def ack_at_once(ack: Ack) -> None:
    """Slack drops a command not acknowledged within 3 s: acknowledge before any work."""
    ack()


@politely
def answer_command(
    body: dict[str, Any], respond: Respond, context: dict[str, Any], client: WebClient
) -> None:
    ask = Ask.parse(body.get("text", ""), body.get("user_id", ""), body.get("channel_id", ""))
    if ask.verb in ("cancel", "receive"):
        ask = replace(ask, approver=context["approvers"].allows(ask.user, client))
    if ask.verb == "receive":
        _receive(context["desk"], ask, body, client)
        return
    message = with_share_button(answer(context["desk"], ask), ask)
    respond(**reply_kwargs(message, in_channel=False))


@politely
def share_reply(body: dict[str, Any], respond: Respond, context: dict[str, Any]) -> None:
    action = body["actions"][0]
    user = body.get("user", {}).get("id", "")
    ask = Ask.parse(action.get("value", ""), user, body.get("channel", {}).get("id", ""))
    message = answer(context["desk"], ask)
    note = ContextBlock(elements=[MarkdownTextObject(text=f"Shared by <@{user}>")]).to_dict()
    blocks = [*message.blocks[: MAX_BLOCKS - 1], note] if message.blocks else []
    shared = Message(f"{message.text} (shared by <@{user}>)", blocks)
    respond(**reply_kwargs(shared, in_channel=True))


def _receive(desk: Desk, ask: Ask, body: dict[str, Any], client: WebClient) -> None:
    """`receive PO-0001` opens the receive modal for approvers."""
    from handlers.receiving import open_receive

    number = _argument(ask, "purchase order", "PO-0001")
    if not ask.approver:
        raise DomainError("Only approvers can receive purchase orders.")
    view = desk.po_by_number(number)
    if view is None:
        raise DomainError(f"No open purchase order {number}. `/backorders pos` lists them.")
    open_receive(desk, view.po_id, ask.channel, body["trigger_id"], client)


def register(app: App) -> None:
    app.command(COMMAND)(ack=ack_at_once, lazy=[answer_command])
    app.action(Action.SHARE_REPLY)(ack=ack_at_once, lazy=[share_reply])
