"""Customer notices from the job to the customer's inbox, over a real SMTP server, on SQLite and
PostgreSQL: written after notice_delay, approved once in the channel, sent once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import update

from bot.config import parse_config
from bot.delivery.customer_notices import (
    CustomerDeliveries,
    CustomerLetters,
    CustomerMail,
)
from bot.delivery.email_delivery import EmailDelivery, SmtpSettings
from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.slack_delivery import SlackDelivery
from bot.facade import Backorders
from storage.db import Database
from storage.models import OrderRow
from storage.outbox import ClaimLost, OutboxStore
from tests.integration.test_notices import RecordingSlack
from tests.support.builders import catalog, delivery, order
from tests.support.smtp import Inbox, smtp_server

T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def config(backordered: str = "approve") -> Any:
    return parse_config(
        {
            "slack": {"channel": "C0PURCHASE"},
            "timezone": "UTC",
            "customers": {
                "notices": {"backordered": backordered},
                "from": "Velo Shop <shop@velo.example>",
                "reply_to": "help@velo.example",
                "signature": "Ann, Velo Shop",
            },
        }
    )


class Clock:
    def __init__(self) -> None:
        self.now = T

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def mail() -> Iterator[tuple[Inbox, str]]:
    with smtp_server() as server:
        yield server


def shop(
    database: Database, clock: Clock, email: str | None = "ann@example.com", **cfg: str
) -> Backorders:
    desk = Backorders(database, clock, config(**cfg), email_enabled=True)
    desk.import_catalog(catalog(("CHAIN", 0)))
    desk.ingest(delivery(order("1001", ("CHAIN", 3), placed=T)))
    with database.engine.begin() as conn:
        conn.execute(update(OrderRow).values(customer_email=email, customer_first_name="Ann"))
    return desk


def deliver(desk: Backorders, smtp_url: str, slack: RecordingSlack) -> None:
    store = OutboxStore(desk.database)
    letters = CustomerLetters(desk.database, desk.config, lambda o: f"https://shop.example/o/T{o}")
    smtp = CustomerMail(EmailDelivery(SmtpSettings.from_url(smtp_url)), desk.config)
    slack_way = SlackDelivery(slack, store)  # type: ignore[arg-type]
    deliveries = CustomerDeliveries(lambda m: {}, letters, smtp, slack_way, desk.clock)
    worker = OutboxWorker(store, deliveries, desk.clock, pace_s=0, backoff_base_s=0)
    while worker.run_once():
        pass


def batch_of(slack: RecordingSlack) -> int:
    [post] = slack.made("post")
    [actions] = [b for b in post["blocks"] if b["type"] == "actions"]
    return int(actions["elements"][1]["value"].split(":")[0])


def test_a_waiting_order_gets_its_backordered_email_after_the_delay_approved_with_one_click(
    database: Database, mail: tuple[Inbox, str]
) -> None:
    inbox, url = mail
    clock, slack = Clock(), RecordingSlack()
    desk = shop(database, clock)
    assert desk.send_customer_notices() == 0  # within notice_delay: nothing yet
    clock.now = T + timedelta(minutes=11)
    assert desk.send_customer_notices() == 1
    assert desk.send_customer_notices() == 0  # the same notice is never written twice
    deliver(desk, url, slack)
    assert "1 backorder notice ready" in slack.made("post")[0]["text"]
    assert inbox.messages == []  # waiting for the team
    batch = batch_of(slack)
    assert "ann@example.com" in desk.preview_notice_batch(batch)
    first = desk.decide_notice_batch(batch, True, "U1")
    again = desk.decide_notice_batch(batch, True, "U2")  # a double click, or a colleague
    assert (first.already_by, again.already_by) == (None, "U1")
    deliver(desk, url, slack)
    [email] = inbox.wait_for(1)
    _reads_like_a_backorder_notice(email)
    assert "sent by <@U1>" in slack.made("update")[0]["text"]


def _reads_like_a_backorder_notice(email: EmailMessage) -> None:
    assert email["To"] == "ann@example.com"
    assert email["From"] == "Velo Shop <shop@velo.example>"
    assert email["Reply-To"] == "help@velo.example"
    assert email["List-Unsubscribe"] == f"<{_link(email)}/opt-out>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = email.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Hello Ann" in text and "expected by" in text and "Ann, Velo Shop" in text
    assert "https://shop.example/o/T" in text and "https://shop.example/o/T" in html


def test_skip_sends_nothing(database: Database, mail: tuple[Inbox, str]) -> None:
    inbox, url = mail
    clock, slack = Clock(), RecordingSlack()
    desk = shop(database, clock)
    clock.now = T + timedelta(minutes=11)
    desk.send_customer_notices()
    deliver(desk, url, slack)
    desk.decide_notice_batch(batch_of(slack), False, "U1")
    deliver(desk, url, slack)
    assert inbox.messages == []
    assert "skipped by <@U1>" in slack.made("update")[0]["text"]


def test_an_auto_kind_needs_no_approval(database: Database, mail: tuple[Inbox, str]) -> None:
    inbox, url = mail
    clock, slack = Clock(), RecordingSlack()
    desk = shop(database, clock, backordered="auto")
    clock.now = T + timedelta(minutes=11)
    desk.send_customer_notices()
    deliver(desk, url, slack)
    assert len(inbox.wait_for(1)) == 1
    assert slack.made("post") == []


def test_a_worker_that_lost_its_claim_sends_the_customer_nothing(
    database: Database, mail: tuple[Inbox, str]
) -> None:
    """A replica frozen past its lease while another took the email over: it must not send."""
    inbox, url = mail
    clock = Clock()
    desk = shop(database, clock, backordered="auto")
    clock.now = T + timedelta(minutes=11)
    desk.send_customer_notices()
    store = OutboxStore(desk.database)
    [message] = store.due(clock.now)
    stale = store.claim(message, clock.now, 60, 0)
    later = clock.now + timedelta(seconds=61)
    assert stale is not None and store.claim(stale, later, 60, 0) is not None  # the other's now
    letters = CustomerLetters(desk.database, desk.config, lambda o: f"https://shop.example/o/T{o}")
    smtp = CustomerMail(EmailDelivery(SmtpSettings.from_url(url)), desk.config)
    deliveries = CustomerDeliveries(lambda m: {}, letters, smtp, RecordingSlack(), desk.clock)  # type: ignore[arg-type]
    with pytest.raises(ClaimLost):
        deliveries(stale)
    assert inbox.messages == []


def test_no_email_address_gets_nothing(database: Database, mail: tuple[Inbox, str]) -> None:
    clock = Clock()
    desk = shop(database, clock, email=None, backordered="auto")
    clock.now = T + timedelta(minutes=11)
    assert desk.send_customer_notices() == 0


def test_an_opted_out_customer_gets_nothing(database: Database, mail: tuple[Inbox, str]) -> None:
    clock = Clock()
    desk = shop(database, clock, backordered="auto")
    with database.engine.begin() as conn:
        conn.execute(update(OrderRow).values(notices_opt_out_at=T))
    clock.now = T + timedelta(minutes=11)
    assert desk.send_customer_notices() == 0


def _link(email: EmailMessage) -> str:
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return next(word for word in text.split() if word.startswith("https://shop.example/o/"))
