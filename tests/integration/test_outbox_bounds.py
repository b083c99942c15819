"""The outbox worker's bounds, on SQLite and PostgreSQL: a Retry-After far past any sane wait
(10**12 seconds, which would overflow a date) pauses the channel 15 minutes at most, the worker
keeps running and the message goes once the pause is over; a mail server that trickles its
answer a byte at a time is cut off at the send's deadline and the email is retried later."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.console.local_slack import Fault, LocalSlack
from bot.delivery.email_delivery import EmailDelivery, SmtpSettings
from bot.delivery.outbox_worker import MAX_RATE_LIMIT_WAIT_S, OutboxWorker
from bot.web.slack_app import delivery_client
from domain.notifications import Notice
from storage.db import Database
from storage.outbox import OutboxStore, QueuedMessage
from storage.unit_of_work import SqlUnitOfWork
from tests.integration.test_email_delivery import LETTER
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


@pytest.fixture
def trickling_smtp() -> Iterator[int]:
    """A mail server on loopback that sends its greeting one byte every 0.2 s: no single read
    ever waits long enough to time out, and the whole greeting would take 10 minutes."""
    listener = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            for byte in b"220 " + b"x" * 3000 + b"\r\n":
                if done.wait(0.2):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    done.set()
    listener.close()
    thread.join(5)


def test_a_mail_server_answering_a_byte_at_a_time_is_cut_off_and_the_email_retried_later(
    database: Database, trickling_smtp: int
) -> None:
    with SqlUnitOfWork(database) as uow:
        uow.outbox.add(Notice("email.po", "suppliers", {"po": 1}, "k1"), T0)
        uow.commit()
    settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{trickling_smtp}")
    email = EmailDelivery(settings, timeout_s=5, deadline_s=1)
    errors: list[BaseException] = []

    def send(_message: QueuedMessage) -> dict[str, Any]:
        try:
            return email(LETTER)
        except Exception as error:
            errors.append(error)
            raise

    store = OutboxStore(database)
    worker = OutboxWorker(store, send, Clock(T0), pace_s=0)
    assert worker.run_once() == 1
    assert [type(error) for error in errors] == [TimeoutError]
    assert store.backlog()[0] == 1  # still pending: tried again after the backoff
