"""The front door of /slack/events: bound, verify, parse and de-duplicate before Bolt sees it.

Nothing about an unverified request is parsed, logged or answered beyond a status: Bolt (its
error handler, its logs, its `respond`) only ever sees requests Slack signed in the last five
minutes, once each.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from typing import Any, Protocol

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.request.internals import parse_body

from bot.web.http import StartResponse, lower_headers, respond, respond_json
from bot.web.refusals import REFUSALS
from bot.web.slack_app import CLAIM_AFTER_ACK
from bot.web.slack_keys import replay_key

log = logging.getLogger(__name__)

# Slack's largest requests are view submissions: a modal of at most 100 blocks sent back with
# what was typed, a few hundred KB at worst; events and clicks are a few KB. 1 MiB leaves room
# and bounds what eight server threads can hold to 8 MiB.
MAX_SLACK_BODY = 1024 * 1024
SIGNATURE_WINDOW_S = 300  # Slack's own rule: refuse a timestamp more than 5 minutes away
READ_CHUNK = 64 * 1024


class Refused(Exception):
    """A request answered with a status and nothing else."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Replays(Protocol):
    def claim(self, key: str, now: datetime) -> bool: ...

    def release(self, key: str) -> None: ...


def read_limited(environ: dict[str, Any], limit: int) -> bytes:
    """The body, refused (413) from its Content-Length before reading or once `limit` is passed."""
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if declared and not declared.isdigit():
        raise Refused(400, "Content-Length is not a number")
    if declared and int(declared) > limit:
        raise Refused(413, f"body larger than {limit} bytes (Content-Length)")
    if not declared and not environ.get("wsgi.input_terminated"):
        return b""
    wanted = int(declared) if declared else limit + 1
    stream, chunks, size = environ["wsgi.input"], [], 0
    while size < wanted:
        chunk = stream.read(min(READ_CHUNK, wanted - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise Refused(413, f"body larger than {limit} bytes")
    return b"".join(chunks)


def verify(secret: str, headers: dict[str, str], body: bytes, now: float) -> None:
    """Slack's v0 signature over the raw body, and a timestamp within 5 minutes of `now`."""
    stamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise Refused(401, "missing or malformed X-Slack-Request-Timestamp")
    if abs(now - int(stamp)) > SIGNATURE_WINDOW_S:
        raise Refused(401, "X-Slack-Request-Timestamp is more than 5 minutes away")
    base = b"v0:" + stamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("latin-1", "replace")):
        raise Refused(401, "missing or wrong X-Slack-Signature")


def parse(body: bytes, headers: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The body as Bolt will read it; a signed body Bolt could not use is a 400."""
    try:
        text = body.decode("utf-8")
        parsed = parse_body(text, headers.get("content-type"))
    except (ValueError, RecursionError):  # bad UTF-8, not JSON, or nested past any real shape
        raise Refused(400, "body is not a Slack request (not UTF-8 or not JSON)") from None
    if not isinstance(parsed, dict) or not _slack_shaped(parsed):
        raise Refused(400, "body is not a Slack request (no type or command)")
    return text, parsed


def _slack_shaped(body: dict[str, Any]) -> bool:
    return isinstance(body.get("type"), str) or "command" in body or "ssl_check" in body


class SlackDoor:
    """WSGI app for /slack/events: only signed, bounded, well-formed, first-time requests pass."""

    def __init__(
        self,
        app: App,
        signing_secret: str,
        replays: Replays,
        clock: Callable[[], datetime],
        wall_clock: Callable[[], float] = time.time,
        after_ack: bool = False,
    ) -> None:
        self.app = app
        self.secret = signing_secret
        self.replays = replays
        self.clock = clock
        self.wall_clock = wall_clock
        self.commands_claimed_after_ack = after_ack  # see slack_app.claim_after_ack

    def __call__(self, environ: dict[str, Any], start: StartResponse) -> list[bytes]:
        try:
            if environ.get("REQUEST_METHOD") != "POST":
                raise Refused(405, "use POST")
            headers = lower_headers(environ)
            body = read_limited(environ, MAX_SLACK_BODY)
            verify(self.secret, headers, body, self.wall_clock())
            text, parsed = parse(body, headers)
            request = _bolt_request(text, headers)
        except Refused as refused:
            _log_refusal(environ, refused)
            return respond_json(start, refused.status, {"error": refused.reason})
        return self._once(request, replay_key(parsed), start)

    def _once(self, request: BoltRequest, key: str | None, start: StartResponse) -> list[bytes]:
        """Dispatch to Bolt unless this request was applied before; a replay is acked, no more."""
        if key is not None and key.startswith("c:") and self.commands_claimed_after_ack:
            request.context[CLAIM_AFTER_ACK] = key  # a command (slack_keys.command_key)
            key = None
        if key is not None and not self.replays.claim(key, self.clock()):
            log.info("Slack request %s… delivered again: acknowledged, nothing done", key[:10])
            return respond(start, 200, b"", "text/plain;charset=utf-8")
        try:
            response = self.app.dispatch(request)
        except Exception as error:  # Bolt's own helpers index into the body (actions[0], ...)
            response = None
            log.warning("a signed Slack request Bolt could not read: %s", type(error).__name__)
        if key is not None and (response is None or _sent_back_with_errors(response)):
            self.replays.release(key)  # nothing was saved: the corrected form must get through
        if response is None:
            return respond_json(start, 400, {"error": "body is not a Slack request Bolt can read"})
        return _answer(start, response)


def _bolt_request(text: str, headers: dict[str, str]) -> BoltRequest:
    try:
        return BoltRequest(body=text, headers=headers)
    except Exception:  # Bolt reads team, user and channel from the body: odd shapes raise here
        raise Refused(400, "body is not a Slack request (unexpected shape)") from None


def _sent_back_with_errors(response: BoltResponse) -> bool:
    try:
        answer = json.loads(response.body) if response.body else None
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("response_action") == "errors"


def _answer(start: StartResponse, response: BoltResponse) -> list[bytes]:
    body = (response.body or "").encode()
    headers = [(k, v) for k, values in response.headers.items() for v in values]
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    status = HTTPStatus(response.status)
    start(f"{status.value} {status.phrase}", [*headers, ("Content-Length", str(len(body)))])
    return [body]


def _log_refusal(environ: dict[str, Any], refused: Refused) -> None:
    """One line, never the body or its headers: an attacker chooses both."""
    REFUSALS.refused(environ, refused.status, refused.reason)
