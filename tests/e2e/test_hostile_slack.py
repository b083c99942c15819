"""Hostile input at /slack/events, generated: unsigned, badly signed, signed garbage, oversized
and replayed requests. Each gets its status and nothing else: nothing stored, no call to Slack,
nothing sent to the response_url it names, and the bot still serving."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.console.local_slack import LocalSlack
from bot.web.slack_door import MAX_SLACK_BODY
from storage.db import Database
from tests.e2e.conftest import RunningBot
from tests.support.builders import catalog
from tests.support.front_door import (
    AttackerListener,
    TrackingExecutor,
    door_bot,
    outbound,
    raw_post,
    sign,
    snapshot,
)
from tests.support.http import request
from tests.support.slack import SIGNING_SECRET, slash_command

FORM = "application/x-www-form-urlencoded"
EXAMPLES = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
SLACK_WORDS = {"type", "command", "ssl_check", "payload"}
PLAIN_KEYS = st.text(st.characters(min_codepoint=0x61, max_codepoint=0x7A), min_size=1, max_size=8)


@pytest.fixture
def door(database: Database, local_slack: LocalSlack) -> Iterator[tuple[RunningBot, Any]]:
    with door_bot(database, local_slack, background=False) as (bot, executor):
        bot.bot.backorders.import_catalog(catalog(("CHAIN", 0), ("TUBE", 3)))
        yield bot, executor


@pytest.fixture
def attacker() -> Iterator[AttackerListener]:
    listener = AttackerListener()
    yield listener
    listener.close()


class Watch:
    """What must not change while one hostile request is answered."""

    def __init__(self, bot: RunningBot, executor: TrackingExecutor, slack: LocalSlack) -> None:
        self.bot, self.executor, self.slack = bot, executor, slack

    def post(self, body: bytes, headers: dict[str, str], **options: Any) -> int:
        started = time.monotonic()
        status, _ = raw_post(f"{self.bot.url}/slack/events", body, headers, **options)
        assert time.monotonic() - started < 5
        return status

    def unchanged(self, attacker: AttackerListener, before: Any, keep: str = "") -> None:
        self.executor.wait_idle()
        after = snapshot(self.bot.bot.database)
        assert {k: v for k, v in after.items() if k != keep} == {
            k: v for k, v in before.items() if k != keep
        }
        assert attacker.hits == [] and outbound(self.slack) == []
        assert request(f"{self.bot.url}/healthz").status == 200


@pytest.fixture
def watch(door: tuple[RunningBot, Any], local_slack: LocalSlack) -> Watch:
    return Watch(door[0], door[1], local_slack)


def with_url(payload: Any, url: str) -> Any:
    return payload | {"response_url": url} if isinstance(payload, dict) else payload


@st.composite
def any_body(draw: st.DrawFn, url: str) -> bytes:
    """Bytes, text, JSON or a form, naming the attacker's response_url where it can."""
    kind = draw(st.sampled_from(["bytes", "json", "form", "payload"]))
    if kind == "bytes":
        return draw(st.binary(max_size=2048))
    value = with_url(draw(JSON), url)
    if kind == "json":
        return json.dumps(value).encode()
    if kind == "payload":
        return urlencode({"payload": json.dumps(value)}).encode()
    fields = draw(st.dictionaries(PLAIN_KEYS, st.text(max_size=30), max_size=6))
    return urlencode(fields | {"response_url": url}).encode()


@EXAMPLES
@given(data=st.data(), stamp=st.none() | HEADER_TEXT, signature=st.none() | HEADER_TEXT)
def test_unsigned_requests_are_401_and_change_nothing(
    watch: Watch, attacker: AttackerListener, data: st.DataObject, stamp: Any, signature: Any
) -> None:
    body = data.draw(any_body(attacker.url))
    headers = {"Content-Type": FORM}
    headers |= {"X-Slack-Request-Timestamp": stamp} if stamp is not None else {}
    headers |= {"X-Slack-Signature": signature} if signature is not None else {}
    before = snapshot(watch.bot.bot.database)
    assert watch.post(body, headers) == 401
    watch.unchanged(attacker, before)


def badly_signed(body: bytes, how: str) -> dict[str, str]:
    now = int(time.time())
    secret, stamp = ("another-secret", now) if how == "secret" else (SIGNING_SECRET, now)
    # A minute past Slack's 5 minutes either way: one second past it was inside the window by
    # the time a slow machine's bot read the clock (the test's `now` is floored and earlier).
    stamp = {"stale": now - 360, "future": now + 360}.get(how, stamp)
    headers = sign(body if how != "body" else body + b" ", secret, stamp)
    if how == "cut":
        headers["X-Slack-Signature"] = headers["X-Slack-Signature"][:-1]
    return headers | {"Content-Type": FORM}


@EXAMPLES
@given(data=st.data(), how=st.sampled_from(["secret", "stale", "future", "body", "cut"]))
def test_badly_signed_requests_are_401_and_change_nothing(
    watch: Watch, attacker: AttackerListener, data: st.DataObject, how: str
) -> None:
    body = data.draw(any_body(attacker.url))
    before = snapshot(watch.bot.bot.database)
    assert watch.post(body, badly_signed(body, how)) == 401
    watch.unchanged(attacker, before)


def not_slack(draw: st.DrawFn) -> bytes:
    """Signed bodies no Slack request looks like: bad UTF-8, bad JSON, no type or command."""
    kind = draw(st.sampled_from(["utf8", "payload", "json", "form"]))
    if kind == "utf8":
        return b"\xff" + draw(st.binary(max_size=512))
    if kind == "payload":
        text = draw(st.text(max_size=200).filter(lambda t: not _is_json(t)))
        return f"payload={quote(text)}".encode()
    if kind == "json":
        value = draw(JSON.filter(lambda v: not isinstance(v, dict) or "type" not in v))
        return json.dumps(value).encode()
    keys = PLAIN_KEYS.filter(lambda k: k not in SLACK_WORDS)
    return urlencode(draw(st.dictionaries(keys, st.text(max_size=30), max_size=6))).encode()


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


@EXAMPLES
@given(data=st.data())
def test_signed_bodies_slack_never_sends_are_400_and_change_nothing(
    watch: Watch, attacker: AttackerListener, data: st.DataObject
) -> None:
    body = not_slack(data.draw)
    before = snapshot(watch.bot.bot.database)
    assert watch.post(body, sign(body) | {"Content-Type": FORM}) == 400
    watch.unchanged(attacker, before)


SHAPED = st.fixed_dictionaries(
    {"type": st.sampled_from(["block_actions", "view_submission", "event_callback", "shortcut"])},
    optional={
        "actions": st.lists(st.dictionaries(st.sampled_from(["action_id", "value"]), JSON)),
        "view": st.dictionaries(st.sampled_from(["id", "callback_id", "state"]), JSON),
        "user": JSON,
        "event": JSON,
        "trigger_id": JSON,
    },
)


@EXAMPLES
@given(payload=SHAPED, as_form=st.booleans())
def test_signed_nonsense_in_slack_shapes_changes_nothing_and_replies_nowhere(
    watch: Watch, attacker: AttackerListener, payload: dict[str, Any], as_form: bool
) -> None:
    payload["response_url"] = attacker.url
    text = json.dumps(payload)
    body = (urlencode({"payload": text}) if as_form else text).encode()
    before = snapshot(watch.bot.bot.database)
    status = watch.post(body, sign(body) | {"Content-Type": FORM})
    assert status in (200, 400, 404)
    watch.unchanged(attacker, before, keep="slack_events")  # replay keys may be noted


@settings(EXAMPLES, max_examples=10)
@given(extra=st.integers(1, 300_000), signed=st.booleans(), chunked=st.booleans())
def test_oversized_bodies_are_413_and_change_nothing(
    watch: Watch, attacker: AttackerListener, extra: int, signed: bool, chunked: bool
) -> None:
    body = b"payload=" + b"a" * (MAX_SLACK_BODY + extra)
    headers = sign(body) if signed else {}
    before = snapshot(watch.bot.bot.database)
    assert watch.post(body, headers | {"Content-Type": FORM}, chunked=chunked) == 413
    watch.unchanged(attacker, before)


@settings(EXAMPLES, max_examples=20)
@given(
    text=st.sampled_from(["export", "digest", "raise Acme", "status", "sku TUBE"]),
    times=st.integers(1, 3),
)
def test_a_replayed_command_is_acknowledged_and_changes_nothing_more(
    watch: Watch, attacker: AttackerListener, local_slack: LocalSlack, text: str, times: int
) -> None:
    body = slash_command(text, local_slack.response_url(), user_id="U012ABCDEF").encode()
    headers = sign(body) | {"Content-Type": FORM}
    assert watch.post(body, headers) == 200
    watch.executor.wait_idle()
    before, calls = snapshot(watch.bot.bot.database), len(local_slack.calls())
    assert [watch.post(body, headers) for _ in range(times)] == [200] * times
    watch.executor.wait_idle()
    assert snapshot(watch.bot.bot.database) == before and len(local_slack.calls()) == calls
    assert attacker.hits == [] and request(f"{watch.bot.url}/healthz").status == 200
