"""Preview, Send all and Skip on a batch of customer notices: approvers only, decided once."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from handlers.blocks.customer_notices import (
    PREVIEW,
    SEND_ALL,
    SKIP,
    decided_reply,
    parse_batch_ref,
    preview_reply,
    stale_batch_reply,
)
from handlers.blocks.message import Message
from handlers.commands import ack_at_once, reply_kwargs
from handlers.errors import politely

REFUSAL = "Only approvers can send or skip customer notices."


def _click(body: dict[str, Any]) -> tuple[int, int, str]:
    """The batch and the version its message showed, and who clicked."""
    batch_id, version = parse_batch_ref(body["actions"][0]["value"])
    return batch_id, version, body["user"]["id"]


def _tell(respond: Respond, message: Message) -> None:
    respond(**reply_kwargs(message, in_channel=False))


def _decide(
    body: dict[str, Any], respond: Respond, context: dict[str, Any], client: WebClient, send: bool
) -> None:
    batch_id, version, user = _click(body)
    if not context["approvers"].allows(user, client):
        _tell(respond, Message(REFUSAL, []))
        return
    outcome = context["desk"].decide_notice_batch(batch_id, send, user, version)
    if outcome.changed is not None:
        _tell(respond, stale_batch_reply(outcome.changed))
        return
    verb = "sent" if send else "skipped"
    reply = decided_reply(outcome.kind, outcome.size, verb, outcome.already_by, outcome.withdrawn)
    _tell(respond, reply)


@politely
def send_all(
    body: dict[str, Any], respond: Respond, context: dict[str, Any], client: WebClient
) -> None:
    _decide(body, respond, context, client, send=True)


@politely
def skip(
    body: dict[str, Any], respond: Respond, context: dict[str, Any], client: WebClient
) -> None:
    _decide(body, respond, context, client, send=False)


@politely
def preview(
    body: dict[str, Any], respond: Respond, context: dict[str, Any], client: WebClient
) -> None:
    batch_id, _, user = _click(body)
    if not context["approvers"].allows(user, client):
        _tell(respond, Message(REFUSAL, []))
        return
    _tell(respond, preview_reply(context["desk"].preview_notice_batch(batch_id)))


def register(app: App) -> None:
    app.action(PREVIEW)(ack=ack_at_once, lazy=[preview])
    app.action(SEND_ALL)(ack=ack_at_once, lazy=[send_all])
    app.action(SKIP)(ack=ack_at_once, lazy=[skip])
