"""Slack misbehaving for a while (429 with Retry-After, 500s, answers that never come): every
outbox message is posted once, in order per channel, after the storm, and the worker lives on."""

from __future__ import annotations

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


@pytest.mark.xfail(
    strict=True,
    reason=(
        "Defect: a post Slack performed but whose answer never came (a stall past the client's "
        "timeout) is posted again by the retry, so the channel shows it twice. The outbox "
        "cannot tell 'not posted' from 'posted, answer lost'; a fix needs the post to carry "
        "its outbox id (message metadata) and a look in the channel's history before a retry, "
        "which the loopback Slack (bot/console/local_slack*) does not serve yet."
    ),
)
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
