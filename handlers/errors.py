"""Errors become polite replies, in one place: never a stack trace to a user."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from domain.errors import DomainError
from handlers.blocks.queries import error_message

log = logging.getLogger(__name__)
SORRY = "Something went wrong on my side and nothing was changed. Please try again in a minute."


def reply_for(error: Exception) -> str:
    """What the user reads: a domain error says itself, anything else says sorry."""
    if isinstance(error, DomainError):
        return str(error)
    log.error("unexpected error in a Slack listener", exc_info=error)
    return SORRY


def politely(listener: Callable[..., None]) -> Callable[..., None]:
    """Lazy listeners run after the ack, outside Bolt's error handler: map their errors here."""

    @functools.wraps(listener)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            listener(*args, **kwargs)
        except Exception as error:
            respond = kwargs.get("respond")
            if respond is None:
                raise
            message = error_message(reply_for(error))
            respond(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral",
                replace_original=False,
            )

    return wrapper


def register(app: App) -> None:
    @app.error
    def handle_errors(error: Exception, body: dict[str, Any], respond: Any) -> BoltResponse:
        text = reply_for(error)
        if respond is not None and body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
        return BoltResponse(status=200, body="")
