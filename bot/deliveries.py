"""Routes each outbox message to Slack or to email, and tells the PO when its email went."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.slack_delivery import SlackDelivery
from domain.notifications import EMAIL
from storage.outbox import QueuedMessage


class EmailNotConfigured(Exception):
    """An email was queued but SMTP_URL is not set (it was unset after queueing)."""


class Deliveries:
    def __init__(
        self,
        slack: SlackDelivery,
        email: Callable[[dict[str, Any]], dict[str, Any]] | None,
        emailed: Callable[[int, str], None],
    ) -> None:
        self.slack = slack
        self.email = email
        self.emailed = emailed

    def __call__(self, message: QueuedMessage) -> dict[str, Any]:
        if message.kind != EMAIL:
            return self.slack(message)
        if self.email is None:
            raise EmailNotConfigured("SMTP_URL is not set")
        result = self.email(message.payload)
        self.emailed(int(message.payload["po_id"]), str(message.payload["to"]))
        return result
