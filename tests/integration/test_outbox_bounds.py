"""The outbox worker's bounds, on SQLite and PostgreSQL: a Retry-After far past any sane wait
(10**12 seconds, which would overflow a date) pauses the channel 15 minutes at most, the worker
keeps running and the message goes once the pause is over."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.console.local_slack import Fault, LocalSlack
from bot.delivery.outbox_worker import MAX_RATE_LIMIT_WAIT_S, OutboxWorker
from bot.web.slack_app import delivery_client
from domain.notifications import Notice
from storage.db import Database
from storage.outbox import OutboxStore, QueuedMessage
from storage.unit_of_work import SqlUnitOfWork
from tests.support.builders import T0, minutes

POST = "chat.postMessage"


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as server:
        yield server


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_a_retry_after_of_10_to_the_12_pauses_the_channel_15_minutes_at_most(
    database: Database, slack: LocalSlack
) -> None:
    with SqlUnitOfWork(database) as uow:
        uow.outbox.add(Notice("slack.post", "C0PURCHASE", {"text": "PO-0001"}, "k1"), T0)
        uow.commit()
    client = delivery_client("xoxb-test", slack.api_url, timeout_s=5)

    def post(message: QueuedMessage) -> dict[str, Any]:
        return client.chat_postMessage(channel=message.channel, text=message.payload["text"]).data  # type: ignore[return-value]

    clock = Clock(T0)
    worker = OutboxWorker(OutboxStore(database), post, clock)
    slack.fail_next(POST, Fault.rate_limited(retry_after=10**12))

    assert worker.run_once() == 1  # no OverflowError: the worker carries on
    assert slack.messages("C0PURCHASE") == []
    clock.now = T0 + timedelta(seconds=MAX_RATE_LIMIT_WAIT_S) + minutes(1)
    assert worker.run_once() == 1
    assert [m.params["text"] for m in slack.messages("C0PURCHASE")] == ["PO-0001"]
