"""For front-door tests: a bot whose listener work can be waited for, an attacker's listener,
raw HTTP posts, and a snapshot of everything stored."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from bot.app import build_bot
from bot.config import parse_config
from bot.console.local_slack import LocalSlack
from bot.facade import utc_now
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from storage.db import Database
from storage.models import Base
from tests.e2e.conftest import CONFIG, SECRETS, RunningBot
from tests.support.builders import T0, minutes
from tests.support.slack import SIGNING_SECRET

START_UP_CHECKS = {"auth.test", "conversations.list", "conversations.info"}


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener executor, which can say when every submitted listener has finished."""

    def __init__(self) -> None:
        super().__init__(max_workers=5, thread_name_prefix="listener")
        self._futures: list[Future[Any]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        self._futures.append(future)
        return future

    def wait_idle(self, timeout: float = 10) -> int:
        """Wait for every listener started so far; how many were started."""
        deadline = time.monotonic() + timeout
        for future in list(self._futures):
            future.result(timeout=max(0.0, deadline - time.monotonic()))
        return len(self._futures)


@contextmanager
def door_bot(
    database: Database, slack: LocalSlack, background: bool = True
) -> Iterator[tuple[RunningBot, TrackingExecutor]]:
    """The bot in Slack HTTP mode on loopback, with a listener executor the test can watch;
    without `background` only the requests a test sends change the database."""
    env = SECRETS | {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
    }
    executor = TrackingExecutor()
    config = parse_config(CONFIG)
    bot = build_bot(
        settings_from_env(env),
        config,
        lambda: T0 + minutes(1),
        database,
        listener_executor=executor,
    )
    for worker in bot.workers:
        worker.clock = utc_now
    server = HttpServer(bot.http, "127.0.0.1", 0, threads=8)
    server.start_in_thread()
    if background:
        bot.start_background()
    try:
        yield RunningBot(bot, f"http://127.0.0.1:{server.port}"), executor
    finally:
        bot.stop_background()
        server.close()
        executor.shutdown(wait=False, cancel_futures=True)


class AttackerListener:
    """An HTTP server standing in for an attacker's response_url: records what reaches it."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.hits = hits
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def silent_listener() -> Iterator[str]:
    """A response_url that takes connections and never answers (the kernel's backlog accepts)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/never"
    finally:
        sock.close()


def raw_post(
    url: str, body: bytes, headers: dict[str, str], timeout: float = 10, chunked: bool = False
) -> tuple[int, bytes]:
    """POST exactly these bytes and headers (http.client adds only Host and Content-Length)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        if chunked:
            chunks = iter([body[i : i + 65536] for i in range(0, len(body), 65536)])
            conn.request("POST", parts.path, chunks, headers, encode_chunked=True)
        else:
            conn.request("POST", parts.path, body, headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def sign(body: bytes, secret: str = SIGNING_SECRET, stamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature over any bytes (slack_sdk's signer takes UTF-8 only)."""
    stamp = int(time.time()) if stamp is None else stamp
    base = f"v0:{stamp}:".encode() + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(stamp), "X-Slack-Signature": f"v0={digest}"}


def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the bot keeps, to compare before and after."""
    with database.engine.connect() as conn:
        return {
            table.name: sorted(map(tuple, conn.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def outbound(slack: LocalSlack) -> list[Any]:
    """What the bot asked of Slack, besides its start-up checks."""
    return [call for call in slack.calls() if call.method not in START_UP_CHECKS]
