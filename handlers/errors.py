"""Errors become polite replies, in one place: never a stack trace to a user."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import App, BoltContext, BoltResponse, Respond

from domain.errors import DomainError
from handlers.blocks.queries import error_message

log = logging.getLogger(__name__)
SORRY = "Something went wrong on my side and nothing was changed. Please try again in a minute."
SLACK_REPLY_BASES = ("https://hooks.slack.com/", "https://hooks.slack-gov.com/")


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


def replies_allowed(url: str, bases: Iterable[str]) -> bool:
    """A response_url on one of `bases` (same scheme, host and port; path below theirs)."""
    try:
        target = urlsplit(url)
    except ValueError:
        return False
    for base in map(urlsplit, bases):
        same_origin = (target.scheme, target.netloc.lower()) == (base.scheme, base.netloc.lower())
        if same_origin and target.path.startswith(base.path or "/"):
            return True
    return False


class _Dropped(Respond):
    """A reply with nowhere allowed to go: dropped (said once above), not an error per call."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return None


def only_replies_to(bases: Iterable[str]) -> Callable[..., Any]:
    """Middleware: `respond` goes to Slack's hosts only, whatever a body names."""
    bases = tuple(bases)

    def middleware(context: BoltContext, next: Callable[[], Any]) -> Any:
        url = context.response_url
        if url and not replies_allowed(url, bases):
            log.warning("response_url outside %s: no reply will be sent to it", ", ".join(bases))
            context["response_url"] = None
            context["respond"] = _Dropped(response_url=None)
        return next()

    return middleware


def _reply_quietly(respond: Respond, text: str) -> None:
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception as error:  # a reply that cannot be sent is worth one line, no more
        log.warning("the error reply to Slack failed: %s", type(error).__name__)


def register(app: App, reply_bases: Iterable[str] = SLACK_REPLY_BASES) -> None:
    bases = tuple(reply_bases)
    # Replies leave on Bolt's listener executor: never on a server thread, which a slow
    # response_url would otherwise hold (up to the client's 30 s) from everyone else.
    executor: Executor = app.listener_runner.listener_executor
    app.middleware(only_replies_to(bases))

    @app.error
    def handle_errors(error: Exception, context: BoltContext) -> BoltResponse:
        text = reply_for(error)
        url = context.response_url
        if url and replies_allowed(url, bases):
            executor.submit(_reply_quietly, Respond(response_url=url), text)
        return BoltResponse(status=200, body="")
