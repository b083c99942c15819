"""Events API: each event handled once (Slack retries), and mentions answered in a thread."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse, Say

from handlers.blocks.formatting import escape
from handlers.commands import Ask, answer
from handlers.errors import reply_for

MENTION = re.compile(r"<[@!][^>]*>")  # mentions of people, and of @channel / @here


def once_per_event(
    body: dict[str, Any], context: dict[str, Any], next: Callable[[], BoltResponse]
) -> BoltResponse:
    """Skip an event whose `event_id` was handled before, however often Slack sends it."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if event_id and not context["desk"].first_time_event(event_id):
        return BoltResponse(status=200, body="")
    return next()


def answer_mention(event: dict[str, Any], say: Say, context: dict[str, Any]) -> None:
    """`@Backorder Bot sku BK-TUBE-700` answers like the slash command, in the thread."""
    text = MENTION.sub("", event.get("text", "")).strip()
    ask = Ask.parse(text, event.get("user", ""), event.get("channel", ""))
    thread = event.get("thread_ts") or event.get("ts")
    try:
        message = answer(context["desk"], ask)
    except Exception as error:
        say(text=escape(reply_for(error)), thread_ts=thread)
        return
    say(text=message.text, blocks=message.blocks or None, thread_ts=thread)


def ack_at_once(ack: Callable[[], None]) -> None:
    ack()


def register(app: App) -> None:
    app.middleware(once_per_event)
    app.event("app_mention")(ack=ack_at_once, lazy=[answer_mention])
