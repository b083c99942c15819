"""Slack requests built from the real shapes in tests/fixtures, signed as Slack signs them."""

from __future__ import annotations

import copy
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from bot.console.slack_signing import interactive_body, signed_headers
from tests.support.http import FIXTURES, Reply, request

SIGNING_SECRET = "test-signing-secret"
_SERIAL = itertools.count(1)


def fresh_id() -> str:
    """A new trigger_id or action_ts, as Slack gives every command and click (replays repeat)."""
    return f"{int(time.time())}.{next(_SERIAL):06d}"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "slack" / name).read_text())


def slash_command(text: str, response_url: str, **fields: str) -> str:
    """The fixture's slash command, asking `/backorders <text>`."""
    parsed = fixture("slash_command.json")["parsed"]
    parsed |= {"command": "/backorders", "text": text, "response_url": response_url}
    parsed |= {"trigger_id": fresh_id()} | fields
    return urlencode(parsed)


def button_click(action_id: str, value: str, response_url: str) -> str:
    """The fixture's block_actions payload, with our button pressed."""
    payload = fixture("block_actions.json")
    payload["actions"][0] |= {"action_id": action_id, "value": value, "action_ts": fresh_id()}
    payload["trigger_id"] = fresh_id()
    payload["response_url"] = response_url
    return interactive_body(payload)


def mention(text: str, event_id: str, channel: str = "C111") -> str:
    """The fixture's app_mention envelope with our words."""
    envelope = copy.deepcopy(fixture("event_callback_app_mention.json"))
    envelope["event"] |= {"text": f"<@W111> {text}", "channel": channel}
    envelope["event_id"] = event_id
    return json.dumps(envelope)


def post_to_slack_events(
    url: str, body: str, *, secret: str = SIGNING_SECRET, age_s: int = 0, **headers: str
) -> Reply:
    """POST a body to /slack/events, signed (optionally with an old timestamp)."""
    signed = signed_headers(secret, body, timestamp=int(time.time()) - age_s)
    content_type = (
        "application/json" if body.startswith("{") else "application/x-www-form-urlencoded"
    )
    all_headers = signed | {"Content-Type": content_type} | headers
    return request(f"{url}/slack/events", body.encode(), all_headers)
