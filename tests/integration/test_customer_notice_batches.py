"""Customer notice batches as the team lives with them, on SQLite and PostgreSQL: later notices
join the open batch (one message, updated), Send all skips what no longer applies, and what each
customer was told is the order's audit in `/backorders order`."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select, update

from bot.config import parse_config
from bot.delivery.customer_notices import CustomerLetter, CustomerMail
from bot.facade import Backorders
from handlers.blocks.journey import customer_story_text
from storage.db import Database
from storage.models import CustomerNoticeRow, OrderRow
from tests.integration.test_customer_notices import Clock, T, batch_of, deliver, mail, shop
from tests.integration.test_notices import RecordingSlack
from tests.support.builders import catalog, delivery, order
from tests.support.smtp import Inbox

__all__ = ["mail"]  # the SMTP server fixture


def order_from(desk: Backorders, number: str, email: str, *lines: tuple[str, int]) -> None:
    desk.ingest(delivery(order(number, *lines, placed=desk.clock())))
    with desk.database.engine.begin() as conn:
        conn.execute(update(OrderRow).where(OrderRow.number == number).values(customer_email=email))


def texts(slack: RecordingSlack, method: str) -> list[str]:
    return [call["text"] for call in slack.made(method)]


def test_notices_found_within_the_hour_join_the_open_batch_in_one_updated_message(
    database: Database, mail: tuple[Inbox, str]
) -> None:
    _, url = mail
    clock, slack = Clock(), RecordingSlack()
    desk = shop(database, clock)
    clock.now = T + timedelta(minutes=11)
    desk.send_customer_notices()
    deliver(desk, url, slack)
    order_from(desk, "1002", "bob@example.com", ("CHAIN", 1))
    clock.now = T + timedelta(minutes=25)
    assert desk.send_customer_notices() == 1
    deliver(desk, url, slack)
    assert texts(slack, "post") == ["✉️ 1 backorder notice ready for customers"]
    assert "2 backorder notices ready" in texts(slack, "update")[-1]
    order_from(desk, "1003", "cy@example.com", ("CHAIN", 1))
    clock.now = T + timedelta(minutes=90)  # the open batch was posted over an hour ago
    desk.send_customer_notices()
    deliver(desk, url, slack)
    assert len(slack.made("post")) == 2


def test_send_all_skips_notices_whose_lines_filled_or_order_was_cancelled_and_says_so(
    database: Database, mail: tuple[Inbox, str]
) -> None:
    inbox, url = mail
    clock, slack = Clock(), RecordingSlack()
    desk = shop(database, clock)  # 1001: Ann waits for 3 chains
    order_from(desk, "1002", "bob@example.com", ("CHAIN", 1))
    order_from(desk, "1003", "cy@example.com", ("CHAIN", 1))
    clock.now = T + timedelta(minutes=11)
    assert desk.send_customer_notices() == 3
    deliver(desk, url, slack)
    desk.import_catalog(catalog(("CHAIN", 3)))  # Ann's 3 chains arrive, first in line
    desk.cancel_order("1002")
    outcome = desk.decide_notice_batch(batch_of(slack), True, "U1")
    assert (outcome.size, outcome.withdrawn) == (1, 2)
    deliver(desk, url, slack)
    assert [m["To"] for m in inbox.wait_for(1)] == ["cy@example.com"]
    assert texts(slack, "update")[-1] == (
        "✉️ 1 backorder notice sent by <@U1> · 2 no longer apply: skipped"
    )


def test_what_the_customer_was_told_and_by_whose_word_is_on_the_orders_journey(
    database: Database, mail: tuple[Inbox, str]
) -> None:
    _, url = mail
    clock, slack = Clock(), RecordingSlack()
    desk = shop(database, clock)
    clock.now = T + timedelta(minutes=11)
    desk.send_customer_notices()
    deliver(desk, url, slack)
    assert "⏳ Awaiting approval" in _journey(desk)
    clock.now = T + timedelta(minutes=12, seconds=30)
    desk.decide_notice_batch(batch_of(slack), True, "U1")
    deliver(desk, url, slack)
    told = _journey(desk)
    assert told.startswith("*Customer*\n📧 Told the customer: backordered (expected ")
    assert told.endswith(" · Mon 2 Nov 09:12 · approved by <@U1>")
    with database.engine.connect() as conn:
        row = conn.execute(select(CustomerNoticeRow)).one()
    assert (row.decided_by, row.status) == ("U1", "sent")
    assert row.decided_at is not None and row.sent_at is not None


def test_an_auto_notice_is_audited_as_sent_automatically(
    database: Database, mail: tuple[Inbox, str]
) -> None:
    _, url = mail
    clock, slack = Clock(), RecordingSlack()
    desk = shop(database, clock, backordered="auto")
    clock.now = T + timedelta(minutes=11)
    desk.send_customer_notices()
    deliver(desk, url, slack)
    assert _journey(desk).endswith(" · Mon 2 Nov 09:11 · sent automatically")
    with database.engine.connect() as conn:
        row = conn.execute(select(CustomerNoticeRow)).one()
    assert row.decided_by == "auto" and row.decided_at == clock.now


def test_without_customers_from_no_notice_is_ever_due(database: Database) -> None:
    clock = Clock()
    desk = shop(database, clock, backordered="auto")
    desk.config = parse_config({"slack": {"channel": "C0PURCHASE"}, "timezone": "UTC"})
    clock.now = T + timedelta(days=60)
    assert desk.send_customer_notices() == 0
    assert _journey(desk) == ""


def test_customer_mail_hands_its_message_to_the_smtp_sender_by_its_public_send() -> None:
    sent: list[EmailMessage] = []

    class Sender:
        settings: Any = None

        def send(self, message: EmailMessage) -> None:
            sent.append(message)

    config = parse_config(
        {"slack": {"channel": "C0"}, "customers": {"from": "Shop <shop@velo.example>"}}
    )
    letter = CustomerLetter(
        "ann@example.com", "Hi", "text", "<p>html</p>", "https://x/o/T/opt-out", "k"
    )
    CustomerMail(Sender(), config)(letter)  # type: ignore[arg-type]
    assert [m["To"] for m in sent] == ["ann@example.com"]


def _journey(desk: Backorders) -> str:
    return customer_story_text(desk.customer_story("1001"), desk.zone) or ""


def test_send_all_on_the_message_before_notices_joined_sends_nothing_and_shows_the_batch_now(
    database: Database, mail: tuple[Inbox, str]
) -> None:
    inbox, url = mail
    clock, slack = Clock(), RecordingSlack()
    desk = shop(database, clock)
    clock.now = T + timedelta(minutes=11)
    desk.send_customer_notices()
    deliver(desk, url, slack)
    seen = batch_value(slack)  # the message as first posted: 1 notice
    order_from(desk, "1002", "bob@example.com", ("CHAIN", 1))
    clock.now = T + timedelta(minutes=25)
    desk.send_customer_notices()
    deliver(desk, url, slack)
    batch_id, version = (int(part) for part in seen.split(":"))
    stale = desk.decide_notice_batch(batch_id, True, "U1", version)
    assert stale.changed is not None and stale.changed.size == 2
    again = desk.decide_notice_batch(batch_id, True, "U1", stale.changed.version)
    assert (again.changed, again.size) == (None, 2)
    deliver(desk, url, slack)
    assert sorted(m["To"] for m in inbox.wait_for(2)) == ["ann@example.com", "bob@example.com"]


def batch_value(slack: RecordingSlack) -> str:
    [actions] = [b for b in slack.made("post")[-1]["blocks"] if b["type"] == "actions"]
    return str(actions["elements"][1]["value"])
