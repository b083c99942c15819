"""The Bolt app, built in one place: listeners from `handlers`, the desk in every context."""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers import commands, errors, events, purchasing, receiving
from handlers.approvers import Approvers
from handlers.ports import Desk

log = logging.getLogger(__name__)
WEB_API_TIMEOUT_S = 10


def web_client(token: str, api_url: str | None, timeout_s: float = WEB_API_TIMEOUT_S) -> WebClient:
    """A Web API client; `api_url` (SLACK_API_URL) points it at another server, e.g. in tests."""
    base = api_url if api_url is None or api_url.endswith("/") else api_url + "/"
    kwargs: dict[str, Any] = {"token": token, "timeout": timeout_s}
    if base:
        kwargs["base_url"] = base
    return WebClient(**kwargs)


def build_slack_app(
    desk: Desk,
    approvers: Approvers,
    token: str,
    signing_secret: str,
    api_url: str | None = None,
    listener_executor: Executor | None = None,
    timeout_s: float = WEB_API_TIMEOUT_S,
) -> App:
    """Listeners ack first and answer lazily (process_before_response): no 10 ms ack polling."""
    client = web_client(token, api_url, timeout_s)
    app = App(
        client=client,
        signing_secret=signing_secret,
        process_before_response=True,
        # auth.test runs on the first request instead of at start: a Slack outage at start
        # must not stop the bot (store webhooks keep arriving over HTTP).
        token_verification_enabled=False,
        listener_executor=listener_executor,
        logger=logging.getLogger("slack_bolt"),
    )

    @app.middleware
    def put_desk_in_context(context: BoltContext, next: Any) -> Any:
        context["desk"] = desk
        context["approvers"] = approvers
        return next()

    errors.register(app)
    events.register(app)
    commands.register(app)
    purchasing.register(app)
    receiving.register(app)
    return app
