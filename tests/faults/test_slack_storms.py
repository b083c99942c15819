"""Slack misbehaving for a while (429 with Retry-After, 500s, answers that never come): every
outbox message is posted once, in order per channel, after the storm, and the worker lives on.
A post whose answer never came is found in the channel's history (by its outbox id, carried
as message metadata) rather than posted again; without the history scope it is posted again,
at least once, and the log says why."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.console.local_slack import Fault, LocalSlack
from bot.console.local_slack_calls import Call
from bot.delivery.outbox_worker import MAX_RATE_LIMIT_WAIT_S, OutboxWorker
from bot.facade import utc_now
from domain.notifications import ORDERS_READY, Notice
from storage.db import Database
from storage.models_outbox import OutboxChannelRow
from storage.unit_of_work import SqlUnitOfWork
from tests.e2e.conftest import RunningBot, serving_slack_bot
from tests.support.bot_process import wait_until

CHANNELS = ("C0PURCHASE", "C0GENERAL")


class MovableClock:
    """Real time, plus whatever the test moves it on by (a 15-minute pause is not slept)."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return utc_now() + self.ahead


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as local:
        yield local


@pytest.fixture
def bot(database: Database, slack: LocalSlack) -> Iterator[RunningBot]:
    with serving_slack_bot(database, slack) as running:
        assert running.bot.delivery_client is not None
        running.bot.delivery_client.timeout = 1  # a stalled answer is given up after 1 s
        yield running


def worker(bot: RunningBot) -> OutboxWorker:
    assert bot.bot.worker is not None
    return bot.bot.worker


def queue(database: Database, channel: str, *texts: str) -> None:
    with SqlUnitOfWork(database) as uow:
        for words in texts:
            uow.outbox.add(Notice(ORDERS_READY, channel, {"text": words}), utc_now())
        uow.commit()


def posted(slack: LocalSlack, channel: str) -> list[str]:
    """What the channel shows: every post Slack performed, its answer lost (stalled) or not."""
    return [
        call.params["text"]
        for call in slack.calls("chat.postMessage")
        if call.response.get("ok") and call.params.get("channel") == channel
    ]


def pending(database: Database) -> int:
    with database.engine.connect() as conn:
        return len(conn.execute(text("SELECT id FROM outbox WHERE status <> 'sent'")).all())


def paused_until(database: Database, channel: str) -> datetime:
    with database.engine.connect() as conn:
        return conn.execute(
            select(OutboxChannelRow.not_before).where(OutboxChannelRow.channel == channel)
        ).scalar_one()


def test_a_storm_of_429s_and_500s_posts_every_message_once_in_order(
    bot: RunningBot, slack: LocalSlack, database: Database
) -> None:
    clock = MovableClock()
    worker(bot).clock = clock
    worker(bot).backoff_base_s = 0.05
    storm = [Fault.rate_limited(10**6), Fault.server_error(), Fault.server_error(503)]
    storm += [Fault.rate_limited(1), Fault.server_error(), Fault.rate_limited(1)]
    storm += [Fault.server_error(502), Fault.error("internal_error"), Fault.server_error()]
    slack.fail_next("chat.postMessage", *storm)
    expected = {channel: [f"{channel}-{i}" for i in range(8)] for channel in CHANNELS}
    for channel, texts in expected.items():
        queue(database, channel, *texts)
    worker(bot).wake()

    calls = slack.wait_for(lambda calls: len(rate_limited(calls)) >= 1, 20)
    limited = rate_limited(calls)[0]  # the one asking for 10**6 seconds
    asked_at, channel = clock(), limited.params["channel"]
    paused = asked_at + timedelta(minutes=1)  # not just the pacing slot of 0.05 s
    wait_until(lambda: paused_until(database, channel) > paused, 10, "the channel paused")
    pause = paused_until(database, channel) - asked_at
    # Clamped to 15 minutes, not 11 days: the channel is tried, and asked, again then.
    assert timedelta(seconds=MAX_RATE_LIMIT_WAIT_S - 5) < pause
    assert pause <= timedelta(seconds=MAX_RATE_LIMIT_WAIT_S + 1)
    clock.ahead += timedelta(seconds=MAX_RATE_LIMIT_WAIT_S)  # the quarter of an hour passes

    wait_until(lambda: pending(database) == 0, 30, "every message posted after the storm")
    assert {channel: posted(slack, channel) for channel in CHANNELS} == expected
    _assert_retry_after_respected(slack)

    queue(database, CHANNELS[0], "after the storm")  # the worker lived through it
    worker(bot).wake()
    wait_until(lambda: pending(database) == 0, 10, "a message after the storm posted")
    assert posted(slack, CHANNELS[0])[-1] == "after the storm"


def rate_limited(calls: list[Call]) -> list[Call]:
    return [call for call in calls if call.fault == "rate_limited"]


def _assert_retry_after_respected(slack: LocalSlack) -> None:
    """After each `Retry-After: 1` nothing went to that channel within the second."""
    calls = slack.calls("chat.postMessage")
    _huge, *asked_a_second = rate_limited(calls)  # the clock moved past the first one's pause
    for limited in asked_a_second:
        channel = limited.params["channel"]
        later = [c for c in calls if c.at > limited.at and c.params["channel"] == channel]
        assert later and later[0].at - limited.at >= 0.95


def test_a_stalled_answer_does_not_post_the_message_twice(
    bot: RunningBot, slack: LocalSlack, database: Database
) -> None:
    worker(bot).backoff_base_s = 0.05
    slack.fail_next("chat.postMessage", Fault.timeout(3.0), Fault.timeout(3.0))
    texts = ["stalled-1", "stalled-2", "stalled-3"]
    queue(database, CHANNELS[0], *texts)
    worker(bot).wake()
    wait_until(lambda: pending(database) == 0, 30, "every message posted after the stalls")
    assert slack.calls("chat.postMessage")[0].timed_out  # the answer was lost: a real stall
    assert posted(slack, CHANNELS[0]) == texts
    assert [m.get("metadata", {}).get("event_payload") for m in slack.history(CHANNELS[0])] == [
        {"outbox_id": n} for n in outbox_ids(database)
    ]
    assert stored_ts(database) == [m["ts"] for m in slack.history(CHANNELS[0])]


def test_a_stalled_thread_reply_is_found_in_its_thread_and_not_posted_twice(
    bot: RunningBot, slack: LocalSlack, database: Database
) -> None:
    worker(bot).backoff_base_s = 0.05
    queue_keyed(database, CHANNELS[0], ("parent", "po:1", None), ("reply", None, "po:1"))
    worker(bot).wake()
    wait_until(lambda: pending(database) == 0, 30, "the parent posted")
    slack.fail_next("chat.postMessage", Fault.timeout(3.0))
    queue_keyed(database, CHANNELS[0], ("second reply", None, "po:1"))
    worker(bot).wake()
    wait_until(lambda: pending(database) == 0, 30, "the replies posted after the stall")

    assert posted(slack, CHANNELS[0]) == ["parent", "reply", "second reply"]
    assert slack.calls("conversations.replies")  # looked in the thread, not the channel


def test_a_lost_answer_whose_history_read_is_rate_limited_is_still_posted_once(
    bot: RunningBot, slack: LocalSlack, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack rate-limits and fails exactly when answers get lost: the look-up is asked again
    later, never taken as a reason to post twice, and no scope is blamed."""
    worker(bot).backoff_base_s = 0.05
    slack.fail_next("chat.postMessage", Fault.timeout(3.0))
    slack.fail_next("conversations.history", Fault.rate_limited(1), Fault.server_error())
    queue(database, CHANNELS[0], "stalled-1")
    worker(bot).wake()
    wait_until(lambda: pending(database) == 0, 30, "stalled-1 settled after the stall")

    assert posted(slack, CHANNELS[0]) == ["stalled-1"]
    assert len(slack.calls("conversations.history")) == 3  # 429, 500, then read: found
    assert [r for r in caplog.records if "history cannot be read" in r.getMessage()] == []


def test_without_the_history_scope_a_lost_answer_is_posted_again_and_logged_once(
    bot: RunningBot, slack: LocalSlack, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """An app installed before the scope was added: at least once, as before, and the log says
    why and what to do."""
    slack.withhold_scope("channels:history")
    worker(bot).backoff_base_s = 0.05
    for words in ("stalled-1", "stalled-2"):
        slack.fail_next("chat.postMessage", Fault.timeout(3.0))
        queue(database, CHANNELS[0], words)
        worker(bot).wake()
        wait_until(lambda: pending(database) == 0, 30, f"{words} posted after its stall")

    assert posted(slack, CHANNELS[0]) == ["stalled-1", "stalled-1", "stalled-2", "stalled-2"]
    refused = [c.response.get("error") for c in slack.calls("conversations.history")]
    assert refused == ["missing_scope", "missing_scope"]
    told = [r.getMessage() for r in caplog.records if "history cannot be read" in r.getMessage()]
    assert len(told) == 1  # once per channel, not once per message
    assert "missing_scope, needs channels:history" in told[0]
    assert "reinstall" in told[0]


def queue_keyed(
    database: Database, channel: str, *posts: tuple[str, str | None, str | None]
) -> None:
    """Posts as (text, its key, the key of the message whose thread it joins)."""
    with SqlUnitOfWork(database) as uow:
        for words, key, reply_to in posts:
            facts = {"text": words, "thread_of": reply_to}
            uow.outbox.add(Notice("slack.post", channel, facts, key), utc_now())
        uow.commit()


def outbox_ids(database: Database) -> list[int]:
    with database.engine.connect() as conn:
        return list(conn.execute(text("SELECT id FROM outbox ORDER BY id")).scalars())


def stored_ts(database: Database) -> list[str]:
    with database.engine.connect() as conn:
        results = conn.execute(text("SELECT result FROM outbox ORDER BY id")).scalars()
        return [json.loads(result)["ts"] for result in results]
