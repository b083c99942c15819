"""A burst of `/backorders` over real HTTP while the answers are slow: every command is
acknowledged before any answer goes out, every answer still reaches its own response URL, and a
command arriving past the answer queue hears at once that the bot is busy."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.console.local_slack import LocalSlack
from bot.console.slack_signing import signed_headers
from bot.web.slack_app import ANSWER_QUEUE, ANSWER_WORKERS
from tests.e2e.conftest import RunningBot
from tests.support.front_door import raw_post
from tests.support.slack import SIGNING_SECRET, mention, post_to_slack_events, slash_command

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ANSWERS_HELD_S = 10  # a bound for the test's waits, never a measured time


@pytest.fixture
def held_answers(slack_bot: RunningBot) -> Iterator[threading.Event]:
    """`/backorders status` answers wait until the event is set (a slow answer, held)."""
    release = threading.Event()
    desk = slack_bot.bot.backorders
    overview = desk.overview

    def slow_overview() -> Any:
        release.wait(ANSWERS_HELD_S)
        return overview()

    desk.overview = slow_overview  # type: ignore[method-assign]
    yield release
    release.set()


def ask_status(bot: RunningBot, slack: LocalSlack, name: str) -> tuple[int, bytes]:
    """`/backorders status` signed as Slack sends it, answered at response URL `name`."""
    body = slash_command("status", slack.response_url(name))
    headers = signed_headers(SIGNING_SECRET, body) | FORM
    return raw_post(f"{bot.url}/slack/events", body.encode(), headers)


def answered(slack: LocalSlack, names: list[str]) -> list[str]:
    """The names, of those given, whose response URL has had an answer, in arrival order."""
    wanted = set(names)
    return [call.name for call in slack.responses() if call.name in wanted]


def test_a_burst_is_acknowledged_before_any_answer_and_every_answer_arrives(
    slack_bot: RunningBot, local_slack: LocalSlack, held_answers: threading.Event
) -> None:
    names = [f"burst-{n}" for n in range(12)]  # more than the HTTP threads and answer workers
    with ThreadPoolExecutor(len(names)) as people:
        acks = list(people.map(lambda name: ask_status(slack_bot, local_slack, name), names))

    assert acks == [(200, b"")] * len(names)  # every one acknowledged, quietly
    assert answered(local_slack, names) == []  # while not one answer was let go

    held_answers.set()
    local_slack.wait_for(lambda _: len(answered(local_slack, names)) == len(names))
    texts = {call.name: call.params["text"] for call in local_slack.responses()}
    assert sorted(answered(local_slack, names)) == sorted(names)  # each once, at its own URL
    assert all("open backorders" in texts[name].lower() for name in names), texts


def test_past_the_answer_queue_a_command_hears_busy_at_once_and_no_late_answer(
    slack_bot: RunningBot, local_slack: LocalSlack, held_answers: threading.Event
) -> None:
    room = ANSWER_WORKERS + ANSWER_QUEUE
    names = [f"queued-{n}" for n in range(room + 2)]
    acks = [ask_status(slack_bot, local_slack, name) for name in names]

    assert acks[:room] == [(200, b"")] * room
    told = [(status, json.loads(body) if body else {}) for status, body in acks[room:]]
    for status, reply in told:  # in the ack itself: shown to that person only, at once
        assert status == 200
        assert reply.get("response_type") == "ephemeral", reply
        assert "busy" in reply["text"] and "try again" in reply["text"]
    assert answered(local_slack, names) == []

    held_answers.set()
    local_slack.wait_for(lambda _: len(answered(local_slack, names[:room])) == room)
    assert sorted(answered(local_slack, names)) == sorted(names[:room])  # none for the told

    assert ask_status(slack_bot, local_slack, "later") == (200, b"")  # room again: answered
    local_slack.wait_for(lambda _: answered(local_slack, ["later"]) == ["later"])


def test_past_the_answer_queue_a_mention_is_acknowledged_and_not_answered(
    slack_bot: RunningBot, local_slack: LocalSlack, held_answers: threading.Event
) -> None:
    """A flood of mentions (which no ack can answer) cannot queue answers without bound and
    lock every person's command out; once there is room, mentions are answered again."""
    room = ANSWER_WORKERS + ANSWER_QUEUE
    names = [f"queued-{n}" for n in range(room)]
    assert [ask_status(slack_bot, local_slack, name) for name in names] == [(200, b"")] * room
    flood = [
        post_to_slack_events(slack_bot.url, mention("status", f"EvFlood{n}")) for n in range(5)
    ]
    assert [reply.status for reply in flood] == [200] * 5  # acknowledged: Slack will not resend

    held_answers.set()
    local_slack.wait_for(lambda _: len(answered(local_slack, names)) == room)
    post_to_slack_events(slack_bot.url, mention("help", "EvAfter"))
    local_slack.wait_for(lambda _: posts(local_slack))  # the later mention's answer

    [(text, _)] = posts(local_slack)  # the later mention's answer only, none for the flood
    assert "open backorders" not in text.lower()


def posts(slack: LocalSlack) -> list[tuple[str, str]]:
    return [
        (c.params.get("text", ""), c.params.get("thread_ts", ""))
        for c in slack.calls("chat.postMessage")
    ]
