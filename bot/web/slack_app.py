"""The Bolt app, built in one place: listeners from `handlers`, the desk in every context."""

from __future__ import annotations

import ipaddress
import logging
from concurrent.futures import Executor
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from handlers import commands, customer_notices, errors, events, purchasing, receiving
from handlers.approvers import Approvers
from handlers.ports import Desk

log = logging.getLogger(__name__)
WEB_API_TIMEOUT_S = 10
LISTENER_RATE_LIMIT_RETRIES = 1  # a person is waiting: one retry after Slack's Retry-After
# Bolt logs a request that fails its signature check, body and all, at INFO. The front door
# (bot.web.slack_door) refuses those first, in one line; this keeps a body out of the log anyway.
BOLT_BODY_LOGGER = "slack_bolt.RequestVerification"


def point_at(client: WebClient, api_url: str | None, timeout_s: int) -> WebClient:
    """`api_url` (SLACK_API_URL) points the client at another server, e.g. in tests."""
    if api_url:
        client.base_url = api_url if api_url.endswith("/") else api_url + "/"
    client.timeout = timeout_s
    return client


def delivery_client(
    token: str | None, api_url: str | None = None, timeout_s: int = WEB_API_TIMEOUT_S
) -> WebClient:
    """The outbox worker's client: no retry handlers of its own, not even slack_sdk's default
    one for connection errors. The outbox retries, paced per channel, and knows what a failure
    means; a hidden retry of a post Slack had taken would post it twice."""
    return point_at(WebClient(token=token, retry_handlers=[]), api_url, timeout_s)


def retry_rate_limits(client: WebClient) -> WebClient:
    """The listeners' client (Bolt copies its handlers into each request's client): slack_sdk's
    default retry of a failed connection, and a retry of a rate-limited call."""
    rate_limits = RateLimitErrorRetryHandler(max_retry_count=LISTENER_RATE_LIMIT_RETRIES)
    client.retry_handlers = [*client.retry_handlers, rate_limits]
    return client


def reply_bases(api_url: str | None) -> tuple[str, ...]:
    """Where `respond` may post: Slack's hooks, and a local Slack (SLACK_API_URL on loopback)."""
    if not api_url:
        return errors.SLACK_REPLY_BASES
    parts = urlsplit(api_url)
    try:
        local = ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        local = parts.hostname == "localhost"
    own = (f"{parts.scheme}://{parts.netloc}/",) if local else ()
    return errors.SLACK_REPLY_BASES + own


def build_slack_app(
    desk: Desk,
    approvers: Approvers,
    token: str,
    signing_secret: str,
    api_url: str | None = None,
    listener_executor: Executor | None = None,
    timeout_s: int = WEB_API_TIMEOUT_S,
) -> App:
    """Listeners ack first and answer lazily (process_before_response): no 10 ms ack polling."""
    app = App(
        # The token, not a client: Bolt warns "token will be unused" when given a client
        # while SLACK_BOT_TOKEN is set. Its client is then pointed at SLACK_API_URL.
        token=token,
        signing_secret=signing_secret,
        process_before_response=True,
        # No auth.test here: a Slack outage at start must not stop the bot (store webhooks
        # keep arriving over HTTP). bot.slack_check asks once in the background instead.
        token_verification_enabled=False,
        listener_executor=listener_executor,
        logger=logging.getLogger("slack_bolt"),
    )
    retry_rate_limits(point_at(app.client, api_url, timeout_s))
    logging.getLogger(BOLT_BODY_LOGGER).setLevel(logging.WARNING)  # after App(): it sets one

    @app.middleware
    def put_desk_in_context(context: BoltContext, next: Any) -> Any:
        context["desk"] = desk
        context["approvers"] = approvers
        return next()

    errors.register(app, reply_bases(api_url))
    events.register(app)
    commands.register(app)
    purchasing.register(app)
    receiving.register(app)
    customer_notices.register(app)
    return app
