"""Signed Slack requests (slash commands, interactivity), built as Slack sends them to the bot."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote, urlencode

from slack_sdk.signature import SignatureVerifier

TEAM_ID = "T111"
TEAM_DOMAIN = "backorders"
API_APP_ID = "A0BOT"
TRIGGER_ID = "13345224609.738474920.8088930838d88f008e0"
VERIFICATION_TOKEN = "verification-token"  # deprecated by Slack, still sent in every body


def signed_headers(secret: str, body: bytes | str, timestamp: int | None = None) -> dict[str, str]:
    """`X-Slack-Request-Timestamp` and `X-Slack-Signature` for this exact body."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    if signature is None:
        raise ValueError("could not sign the request")
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


def slash_command_body(
    command: str,
    text: str,
    *,
    user_id: str,
    channel_id: str,
    response_url: str,
    trigger_id: str = TRIGGER_ID,
    user_name: str = "tester",
    channel_name: str = "purchasing",
) -> str:
    """A form-encoded slash command, with the fields Slack sends (slash_command.json)."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "response_url": response_url,
        "trigger_id": trigger_id,
        "api_app_id": API_APP_ID,
    }
    # Slack leaves "/" and ":" unescaped (see the fixture's raw_body); either way parses the same.
    return urlencode(fields, safe="/:", quote_via=quote)


def interactive_body(payload: dict[str, Any]) -> str:
    """An interactivity request body: `payload=<url-encoded JSON>`."""
    return urlencode({"payload": json.dumps(payload)})
