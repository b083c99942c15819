"""/slack/events over real HTTP: nothing happens before Slack's signature is checked, bodies are
bounded, replies go to Slack only and never hold a server thread, and a replayed request is
applied once."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.console.local_slack import Fault, LocalSlack
from bot.console.slack_signing import interactive_body, signed_headers
from bot.web.slack_door import MAX_SLACK_BODY, Refused, read_limited
from domain.notifications import EXPORT_WORKBOOK
from domain.purchase_orders import Actor
from handlers.blocks.receiving import receive_modal
from handlers.errors import SORRY
from handlers.ids import Action, Callback
from storage.db import Database
from tests.e2e.conftest import RunningBot
from tests.support.builders import catalog
from tests.support.front_door import (
    AttackerListener,
    TrackingExecutor,
    door_bot,
    outbound,
    raw_post,
    silent_listener,
    snapshot,
)
from tests.support.http import generic_order, request, signed_generic
from tests.support.slack import SIGNING_SECRET, button_click, fixture, slash_command

APPROVER = "U012ABCDEF"
CHANNEL = "C0PURCHASE"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MARKER = "ATTACKER-CHOSEN-TEXT"


@pytest.fixture
def attacker() -> Iterator[AttackerListener]:
    listener = AttackerListener()
    yield listener
    listener.close()


@pytest.fixture
def door(database: Database, local_slack: LocalSlack) -> Iterator[tuple[RunningBot, Any]]:
    with door_bot(database, local_slack) as (bot, executor):
        bot.bot.backorders.import_catalog(catalog(("CHAIN", 0), ("TUBE", 3)))
        yield bot, executor


def signed(body: str, **headers: str) -> dict[str, str]:
    return signed_headers(SIGNING_SECRET, body) | FORM | headers


def events_url(bot: RunningBot) -> str:
    return f"{bot.url}/slack/events"


@pytest.mark.parametrize(
    "stamp", ["x", "", "1e9", "1\u00b2", str(int(time.time()) - 301)], ids=repr
)
def test_an_unsigned_request_is_refused_and_nothing_reaches_its_response_url(
    door: tuple[RunningBot, Any],
    local_slack: LocalSlack,
    attacker: AttackerListener,
    caplog: pytest.LogCaptureFixture,
    stamp: str,
) -> None:
    bot, _ = door
    caplog.set_level(logging.DEBUG)
    body = button_click(Action.APPROVE_PO, MARKER, attacker.url).encode()
    headers = FORM | {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=00"}
    status, _ = raw_post(events_url(bot), body, headers)
    assert status == 401
    assert attacker.hits == [] and outbound(local_slack) == []
    assert MARKER not in caplog.text


def test_a_request_signed_with_another_secret_is_refused(
    door: tuple[RunningBot, Any],
    database: Database,
    attacker: AttackerListener,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot, _ = door
    caplog.set_level(logging.DEBUG)
    before = snapshot(database)
    body = slash_command(f"export {MARKER}", attacker.url)
    headers = signed_headers("not-the-secret", body) | FORM
    assert raw_post(events_url(bot), body.encode(), headers)[0] == 401
    assert attacker.hits == [] and snapshot(database) == before
    assert MARKER not in caplog.text


def test_sixteen_requests_naming_a_silent_response_url_hold_up_no_store_webhook(
    door: tuple[RunningBot, Any],
) -> None:
    bot, _ = door
    with silent_listener() as never:
        body = button_click(Action.APPROVE_PO, "1:1", never).encode()
        headers = FORM | {"X-Slack-Request-Timestamp": "x", "X-Slack-Signature": "v0=00"}
        statuses: list[int] = []

        def attack() -> None:
            statuses.append(raw_post(events_url(bot), body, headers, timeout=5)[0])

        threads = [threading.Thread(target=attack) for _ in range(16)]
        for thread in threads:
            thread.start()
        order = generic_order("2001", ("TUBE", 1))
        started = time.monotonic()
        status, _ = raw_post(f"{bot.url}/webhooks/orders", order, signed_generic(order), timeout=5)
        assert status == 200 and time.monotonic() - started < 3
        for thread in threads:
            thread.join(timeout=6)
    assert statuses == [401] * 16


def broken_adjust_form(response_url: str) -> str:
    """A signed form Bolt cannot read (its state is a list): the error handler answers it."""
    payload = fixture("view_submission.json")
    payload["view"] |= {"callback_id": Callback.ADJUST_PO, "state": {"values": []}}
    payload["response_urls"] = [{"response_url": response_url, "channel_id": CHANNEL}]
    return interactive_body(payload)


def test_an_error_reply_leaves_after_the_answer_not_on_the_server_thread(
    door: tuple[RunningBot, Any], local_slack: LocalSlack
) -> None:
    bot, _ = door
    local_slack.fail_next("response_url", Fault.timeout(3))
    body = broken_adjust_form(local_slack.response_url("sorry"))
    started = time.monotonic()
    assert raw_post(events_url(bot), body.encode(), signed(body))[0] == 200
    assert time.monotonic() - started < 1.5
    local_slack.wait_for(lambda calls: any(c.name == "sorry" for c in calls))
    assert local_slack.responses("sorry")[0].params["text"] == SORRY


def test_replies_go_to_slack_only_whatever_response_url_a_signed_body_names(
    door: tuple[RunningBot, Any], attacker: AttackerListener
) -> None:
    bot, executor = door
    for body in (slash_command("status", attacker.url), broken_adjust_form(attacker.url)):
        raw_post(events_url(bot), body.encode(), signed(body))
    executor.wait_idle()
    assert attacker.hits == []


def test_a_reply_to_a_foreign_response_url_is_one_warning_not_an_error_per_reply(
    door: tuple[RunningBot, Any], attacker: AttackerListener, caplog: pytest.LogCaptureFixture
) -> None:
    bot, executor = door
    body = slash_command("status", attacker.url)
    raw_post(events_url(bot), body.encode(), signed(body))
    executor.wait_idle()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert any("response_url outside" in r.getMessage() for r in caplog.records)


def refused_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.refused" and "refused" in r.message]


def test_an_oversized_body_is_refused_from_its_length_and_never_logged(
    door: tuple[RunningBot, Any], caplog: pytest.LogCaptureFixture
) -> None:
    bot, _ = door
    caplog.set_level(logging.DEBUG)
    body = ("payload=" + MARKER * 120_000).encode()  # 2.4 MB
    assert raw_post(events_url(bot), body, FORM)[0] == 413
    assert raw_post(events_url(bot), body, signed(body.decode()))[0] == 413
    assert raw_post(events_url(bot), body, signed(body.decode()), chunked=True)[0] == 413
    assert MARKER not in caplog.text
    assert [r.levelno for r in refused_lines(caplog)] == [logging.WARNING] * 3
    assert all("413" in r.getMessage() for r in refused_lines(caplog))


@pytest.mark.parametrize("declared", [None, "10"], ids=["no length", "a length that lies"])
def test_a_body_is_cut_off_once_it_passes_the_limit_while_read(declared: str | None) -> None:
    """Servers that stream chunked bodies give no Content-Length: the reader counts."""
    stream = io.BytesIO(b"x" * (MAX_SLACK_BODY + 10))
    environ: dict[str, Any] = {"wsgi.input": stream, "wsgi.input_terminated": True}
    if declared is None:
        with pytest.raises(Refused) as refused:
            read_limited(environ, MAX_SLACK_BODY)
        assert refused.value.status == 413 and stream.tell() <= MAX_SLACK_BODY + 65536
    else:
        assert read_limited(environ | {"CONTENT_LENGTH": declared}, MAX_SLACK_BODY) == b"x" * 10


def test_a_refused_request_is_one_line_without_its_body(
    door: tuple[RunningBot, Any], caplog: pytest.LogCaptureFixture
) -> None:
    bot, _ = door
    caplog.set_level(logging.DEBUG)
    body = slash_command(MARKER, "https://hooks.slack.com/commands/T1/2/x")
    assert raw_post(events_url(bot), body.encode(), FORM | {"X-Slack-Signature": "v0=1"})[0] == 401
    assert MARKER not in caplog.text
    [line] = refused_lines(caplog)
    assert "401" in line.getMessage() and "127.0.0.1" in line.getMessage()


@pytest.mark.parametrize(
    "body",
    [
        "payload=not-json",
        "payload=%5B1%5D",
        "{not json",
        "[]",
        "a=b",
        "payload=%7B%7D",
        '{"type": "block_actions", "actions": []}',
        '{"type": "event_callback", "x": ' + "[" * 5000 + "]" * 5000 + "}",
        "payload=" + "%5B" * 5000 + "%5D" * 5000,
    ],
    ids=lambda body: body[:40],
)
def test_a_signed_body_the_bot_cannot_use_is_a_400(
    door: tuple[RunningBot, Any], database: Database, body: str
) -> None:
    bot, _ = door
    before = snapshot(database)
    assert raw_post(events_url(bot), body.encode(), signed(body))[0] == 400
    assert snapshot(database) == before


def sent_po(bot: RunningBot) -> int:
    """Order 1001 waits for 3 chains, on a PO approved by the approver."""
    order = generic_order("1001", ("CHAIN", 3))
    assert request(f"{bot.url}/webhooks/orders", order, signed_generic(order)).status == 200
    desk = bot.bot.backorders
    view = desk.raise_po("Acme", APPROVER)
    desk.approve_po(view.po_id, view.version, Actor(APPROVER, True))
    return view.po_id


def receive_form(bot: RunningBot, po_id: int, typed: str) -> str:
    """The Receive form of that PO, submitted as Slack does, with `typed` units arrived."""
    view = bot.bot.backorders.po(po_id)
    assert view is not None
    modal = receive_modal(view, CHANNEL)
    [block] = [b["block_id"] for b in modal["blocks"] if b.get("block_id", "").startswith("line:")]
    payload = fixture("view_submission.json")
    payload["user"]["id"] = APPROVER
    payload["view"] |= {
        "callback_id": Callback.RECEIVE_PO,
        "private_metadata": modal["private_metadata"],
        "state": {
            "values": {block: {Action.QUANTITY: {"type": "plain_text_input", "value": typed}}}
        },
    }
    return interactive_body(payload)


def deliver_three_times(bot: RunningBot, body: str) -> list[tuple[int, bytes]]:
    """The same signed request, byte for byte, as a replay sends it."""
    headers = signed(body)
    return [raw_post(events_url(bot), body.encode(), headers) for _ in range(3)]


def test_the_same_receive_form_delivered_three_times_records_one_receipt(
    door: tuple[RunningBot, TrackingExecutor], local_slack: LocalSlack
) -> None:
    bot, executor = door
    po_id = sent_po(bot)
    answers = deliver_three_times(bot, receive_form(bot, po_id, "1"))
    assert [status for status, _ in answers] == [200, 200, 200]
    executor.wait_idle()
    assert bot.bot.backorders.order("1001")[0].waiting_units == 2
    assert len(local_slack.calls("chat.postEphemeral")) == 1


def test_a_form_sent_back_with_errors_can_be_sent_again_and_then_saved(
    door: tuple[RunningBot, TrackingExecutor],
) -> None:
    bot, executor = door
    po_id = sent_po(bot)
    for _ in range(2):
        status, answer = raw_post(events_url(bot), *_signed_bytes(receive_form(bot, po_id, "x")))
        assert status == 200 and json.loads(answer)["response_action"] == "errors"
    deliver_three_times(bot, receive_form(bot, po_id, "2"))
    executor.wait_idle()
    assert bot.bot.backorders.order("1001")[0].waiting_units == 1


def _signed_bytes(body: str) -> tuple[bytes, dict[str, str]]:
    return body.encode(), signed(body)


def test_the_same_hold_click_delivered_three_times_is_answered_once(
    door: tuple[RunningBot, TrackingExecutor], local_slack: LocalSlack
) -> None:
    bot, executor = door
    order = generic_order("1001", ("CHAIN", 3))
    assert request(f"{bot.url}/webhooks/orders", order, signed_generic(order)).status == 200
    view = bot.bot.backorders.raise_po("Acme", APPROVER)
    click = button_click(Action.HOLD_PO, f"{view.po_id}:{view.version}", local_slack.response_url())
    deliver_three_times(bot, click.replace("WJC6QG0MS", APPROVER))
    executor.wait_idle()
    assert len(local_slack.responses()) == 1
    assert bot.bot.backorders.po(view.po_id).status == "held"  # type: ignore[union-attr]


def test_the_same_export_command_delivered_three_times_queues_one_workbook(
    door: tuple[RunningBot, TrackingExecutor], database: Database
) -> None:
    bot, executor = door
    command = slash_command("export", "https://hooks.slack.com/commands/T1/2/x", channel_id=CHANNEL)
    deliver_three_times(bot, command)
    executor.wait_idle()
    assert sum(EXPORT_WORKBOOK in repr(row) for row in snapshot(database)["outbox"]) == 1
