"""Messages the bot owes people: written with the change that caused them, sent later."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Outbound:
    """One message to deliver: a Slack post, update or file, or (later) an email.

    `channel` orders and paces delivery (one message at a time per channel, in order);
    `key`, when given, makes writing it idempotent and lets later messages refer to it
    (an update of the message posted under `key`, a reply in its thread).
    """

    kind: str
    channel: str
    payload: dict[str, Any] = field(default_factory=dict)
    key: str | None = None


SLACK_POST = "slack.post"
SLACK_UPDATE = "slack.update"
SLACK_FILE = "slack.file"
EMAIL = "email"
