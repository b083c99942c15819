"""The Bolt app, built in one place: listeners from `handlers`, the desk in every context."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.lazy_listener.internals import build_runnable_function
from slack_bolt.lazy_listener.thread_runner import ThreadLazyListenerRunner
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
# Answers (lazy listeners, error replies) run on fewer threads than serve HTTP (HTTP_THREADS),
# so acknowledgements, on the server's threads, are not crowded out; see `AnswerPool`.
ANSWER_WORKERS = 2
# Answers waiting beyond those being worked on; past it a command hears BUSY. At the 10-20
# answers a second two threads give, 64 is a few seconds' wait: people typing at a human pace
# (20 users, a command a second each) are answered, never told busy; a script flooding is.
ANSWER_QUEUE = 64
# Answer threads run at a lower CPU priority (Linux: a niceness per thread), so when the cores
# are short the server's threads, which acknowledge, get them first.
ANSWER_NICENESS = 10
BUSY = "I'm busy answering other people right now: try again in a moment."


def _yield_cpu() -> None:
    """Lower this thread's CPU priority where the system allows one per thread (Linux)."""
    if sys.platform != "linux":
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), ANSWER_NICENESS)
    except OSError as error:  # a container may forbid it: answers then run at normal priority
        log.info("answer threads keep their priority: %s", error)


class AnswerPool(ThreadPoolExecutor):
    """Bolt's listener executor: where answers are worked out after the ack.

    Its queue is bounded by admission: while `ANSWER_QUEUE` answers wait, a new slash command
    is acknowledged with `BUSY` (an ephemeral reply in the ack itself, no answer queued) rather
    than answered ever later. Work handed over anyway (clicks, error replies) is never dropped.
    """

    def __init__(self, workers: int = ANSWER_WORKERS, queue: int = ANSWER_QUEUE) -> None:
        super().__init__(max_workers=workers, thread_name_prefix="answer", initializer=_yield_cpu)
        self.limit = workers + queue
        self._taken = 0
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            self._taken += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._done()
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: object = None) -> None:
        with self._lock:
            self._taken -= 1

    def has_room(self) -> bool:
        """Whether one more answer may join the queue (every worker busy and the queue full: no)."""
        return self._taken < self.limit


class Claims(Protocol):
    def claim(self, key: str, now: datetime) -> bool: ...


# Set by the front door (bot.web.slack_door) on a slash command whose replay key is claimed
# after the ack, on the answer's thread: the claim is a database commit, and one per command
# on the server's threads (serialised by the writer) was what made acks wait under a burst.
CLAIM_AFTER_ACK = "replay_key_after_ack"


class ClaimThenAnswer(ThreadLazyListenerRunner):
    """Bolt's lazy-listener runner, claiming a command's replay key before its answer: a
    replayed command is still acknowledged and answered once (the first claim wins)."""

    def __init__(self, app: App, claims: Claims, clock: Callable[[], datetime]) -> None:
        runner = app.listener_runner.lazy_listener_runner
        super().__init__(runner.logger, app.listener_runner.listener_executor)
        self.claims = claims
        self.clock = clock

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        key = request.context.get(CLAIM_AFTER_ACK)
        if key is None:
            super().start(function, request)
            return
        answer = build_runnable_function(func=function, logger=self.logger, request=request)

        def once() -> None:
            try:
                first = self.claims.claim(key, self.clock())
            except Exception as error:  # the database: say so rather than answer unguarded
                log.warning("a Slack command's replay key could not be claimed: %r", error)
                respond = request.context.respond
                if respond is not None:
                    respond(text=errors.SORRY, response_type="ephemeral", replace_original=False)
                return
            if first:
                answer()
            else:
                log.info("Slack command %s… delivered again: acknowledged, nothing done", key[:10])

        self.executor.submit(once)


def claim_after_ack(app: App, claims: Claims, clock: Callable[[], datetime]) -> None:
    """Commands' replay keys are claimed on the answer's thread (see `CLAIM_AFTER_ACK`)."""
    app.listener_runner.lazy_listener_runner = ClaimThenAnswer(app, claims, clock)


def busy_when_full(pool: AnswerPool) -> Callable[..., Any]:
    """A slash command arriving while the answer queue is full hears `BUSY` in its ack; a
    mention then is acknowledged and not answered (an event's ack can carry no reply), so a
    flood of mentions cannot fill the queue without bound. Clicks and forms always go on: what
    a person decided is never dropped."""
    busy = json.dumps({"response_type": "ephemeral", "text": BUSY})
    refusing = threading.Event()  # one log line per spell of refusals, not one per command

    def middleware(body: dict[str, Any], next: Callable[[], Any]) -> Any:
        mention = (body.get("event") or {}).get("type") == "app_mention"
        if ("command" not in body and not mention) or pool.has_room():
            refusing.clear()
            return next()
        if not refusing.is_set():
            refusing.set()
            log.warning(
                "the answer queue is full: commands are told to try again in a moment, "
                "mentions are not answered"
            )
        if mention:
            return BoltResponse(status=200, body="")
        headers = {"content-type": "application/json;charset=utf-8"}
        return BoltResponse(status=200, body=busy, headers=headers)

    return middleware


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
    """Listeners ack first and answer lazily (process_before_response): no 10 ms ack polling.
    Answers run on `listener_executor` (the console runs them at once), else an `AnswerPool`."""
    pool = listener_executor if listener_executor is not None else AnswerPool()
    app = App(
        # The token, not a client: Bolt warns "token will be unused" when given a client
        # while SLACK_BOT_TOKEN is set. Its client is then pointed at SLACK_API_URL.
        token=token,
        signing_secret=signing_secret,
        process_before_response=True,
        # No auth.test here: a Slack outage at start must not stop the bot (store webhooks
        # keep arriving over HTTP). bot.slack_check asks once in the background instead.
        token_verification_enabled=False,
        listener_executor=pool,
        logger=logging.getLogger("slack_bolt"),
    )
    retry_rate_limits(point_at(app.client, api_url, timeout_s))
    logging.getLogger(BOLT_BODY_LOGGER).setLevel(logging.WARNING)  # after App(): it sets one

    if isinstance(pool, AnswerPool):
        app.middleware(busy_when_full(pool))

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
