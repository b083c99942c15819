"""The outbox against a misbehaving Slack: every message arrives, once, in order per channel."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.console.local_slack import Fault, LocalSlack
from bot.facade import utc_now
from domain.notifications import ORDERS_READY, Notice
from storage.db import Database
from storage.outbox import OutboxStore
from storage.unit_of_work import SqlUnitOfWork
from tests.e2e.conftest import RunningBot
from tests.e2e.test_cli import ROOT, free_port

CHANNELS = ("C0PURCHASE", "C0OTHER")


def queue(database: Database, channel: str, *texts: str) -> None:
    with SqlUnitOfWork(database) as uow:
        for text in texts:
            uow.outbox.add(Notice(ORDERS_READY, channel, {"text": text}), utc_now())
        uow.commit()


def delivered(slack: LocalSlack, channel: str) -> list[str]:
    """What the channel shows, a post whose answer was lost (timed out) included."""
    return [message["text"] for message in slack.history(channel)]


def wait_delivered(slack: LocalSlack, expected: dict[str, list[str]], timeout: float = 20) -> None:
    slack.wait_for(
        lambda _: all(len(delivered(slack, ch)) >= len(texts) for ch, texts in expected.items()),
        timeout,
    )


def test_429_then_500_then_a_timeout_delay_messages_but_lose_and_repeat_none(
    slack_bot: RunningBot, local_slack: LocalSlack, database: Database
) -> None:
    assert slack_bot.bot.slack is not None and slack_bot.bot.worker is not None
    assert slack_bot.bot.delivery_client is not None
    slack_bot.bot.delivery_client.timeout = 0.5
    slack_bot.bot.worker.backoff_base_s = 0.1
    local_slack.fail_next(
        "chat.postMessage", Fault.rate_limited(1), Fault.server_error(), Fault.timeout(1.0)
    )
    expected = {CHANNELS[0]: [f"a{i}" for i in range(4)], CHANNELS[1]: [f"b{i}" for i in range(3)]}
    for channel, texts in expected.items():
        queue(database, channel, *texts)
    slack_bot.bot.worker.wake()
    wait_delivered(local_slack, expected)
    time.sleep(0.3)  # a repeat, if any, would show up now
    assert {ch: delivered(local_slack, ch) for ch in CHANNELS} == expected
    faults = [c.fault for c in local_slack.calls("chat.postMessage") if c.fault]
    assert faults == ["rate_limited", "server_error", "timeout"]


def test_after_a_429_nothing_goes_to_that_channel_before_retry_after(
    slack_bot: RunningBot, local_slack: LocalSlack, database: Database
) -> None:
    local_slack.fail_next("chat.postMessage", Fault.rate_limited(1))
    queue(database, CHANNELS[0], "first", "second")
    slack_bot.bot.worker.wake()  # type: ignore[union-attr]
    wait_delivered(local_slack, {CHANNELS[0]: ["first", "second"]})
    [limited, *sent] = local_slack.calls("chat.postMessage")
    assert limited.fault == "rate_limited"
    assert sent[0].at - limited.at >= 0.95


def test_messages_to_one_channel_are_paced(
    slack_bot: RunningBot, local_slack: LocalSlack, database: Database
) -> None:
    slack_bot.bot.worker.pace_s = 0.3  # type: ignore[union-attr]
    queue(database, CHANNELS[0], "one", "two", "three")
    slack_bot.bot.worker.wake()  # type: ignore[union-attr]
    wait_delivered(local_slack, {CHANNELS[0]: ["one", "two", "three"]})
    times = [call.at for call in local_slack.messages(CHANNELS[0])]
    assert all(later - earlier >= 0.28 for earlier, later in itertools.pairwise(times))


def start_bot(database: Database, slack: LocalSlack, log: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "DATABASE_URL": database.url,
        "PORT": str(free_port()),
        "HOST": "127.0.0.1",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "test-signing-secret",
        "SLACK_API_URL": slack.api_url,
    }
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stderr=out)


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_a_bot_killed_mid_delivery_resumes_after_restart_and_loses_nothing(
    database: Database, tmp_path: Path
) -> None:
    texts = ["m1", "m2", "m3"]
    with LocalSlack() as slack:
        # Killed while it waits out a 429: the pause and the queue are in the database.
        slack.fail_next("chat.postMessage", Fault.rate_limited(2))
        queue(database, CHANNELS[0], *texts)
        first = start_bot(database, slack, tmp_path / "bot.log")
        try:
            slack.wait_for(lambda calls: any(c.fault == "rate_limited" for c in calls), 30)
            wait_until(lambda: OutboxStore(database).due(utc_now() + timedelta(seconds=5)) != [])
        finally:
            first.kill()  # SIGKILL: no clean shutdown, mid-way through the queue
            first.wait(10)
        second = start_bot(database, slack, tmp_path / "bot.log")
        try:
            wait_delivered(slack, {CHANNELS[0]: texts}, timeout=30)
        finally:
            second.terminate()
            second.wait(20)
        assert delivered(slack, CHANNELS[0]) == texts
