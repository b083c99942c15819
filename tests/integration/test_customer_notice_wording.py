"""What a customer's notice says, and whether it goes at all, over a real SMTP server on SQLite
and PostgreSQL: the unsubscribe header as mail clients read it (the raw bytes), the backordered
wording by the facts (a PO or not yet), the delay email's link to the choice, and a notice whose
lines changed after it was queued withdrawn instead of sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text, update

from bot.config import parse_config
from bot.delivery.customer_notices import CustomerDeliveries, CustomerLetters, CustomerMail
from bot.delivery.email_delivery import EmailDelivery, SmtpSettings
from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.slack_delivery import SlackDelivery
from bot.facade import Backorders
from domain.purchase_orders import Actor
from storage.customer_notices import NoticeToSend
from storage.db import Database
from storage.models import OrderRow
from storage.outbox import OutboxStore
from tests.integration.test_customer_notices import Clock, T
from tests.integration.test_notices import RecordingSlack
from tests.support.builders import catalog, delivery, order
from tests.support.smtp import Inbox, smtp_server

# A real shop's journey links pass the 78 characters a header line is folded at.
BASE = "https://www.velo-bicycle-parts-and-accessories.example/customers/journeys"
TOKEN = "Xk9fQ2mB7rT4vN1pL8sD3hJ6wY0cZ5aE"


class RawInbox(Inbox):
    """Keeps each message's bytes as the SMTP server received them, too."""

    def __init__(self) -> None:
        super().__init__()
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.raw.append(envelope.content)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def mail() -> Iterator[tuple[RawInbox, str]]:
    with smtp_server(RawInbox()) as (inbox, url):
        yield inbox, url  # type: ignore[misc]


def config(**notices: str) -> Any:
    return parse_config(
        {
            "slack": {"channel": "C0PURCHASE"},
            "timezone": "UTC",
            "customers": {
                "notices": {"backordered": "auto", **notices},
                "from": "Velo Shop <shop@velo.example>",
            },
        }
    )


def shop(database: Database, clock: Clock, stock: int, wants: int, **notices: str) -> Backorders:
    desk = Backorders(database, clock, config(**notices), email_enabled=True)
    desk.import_catalog(catalog(("CHAIN", stock)))
    desk.ingest(delivery(order("1001", ("CHAIN", wants), placed=T)))
    with database.engine.begin() as conn:
        conn.execute(update(OrderRow).values(customer_email="ann@example.com"))
    return desk


def letters(desk: Backorders) -> CustomerLetters:
    return CustomerLetters(desk.database, desk.config, lambda o: f"{BASE}/o/{TOKEN}{o}")


def deliver(desk: Backorders, smtp_url: str) -> None:
    store = OutboxStore(desk.database)
    smtp = CustomerMail(EmailDelivery(SmtpSettings.from_url(smtp_url)), desk.config)
    slack = SlackDelivery(RecordingSlack(), store)  # type: ignore[arg-type]
    deliveries = CustomerDeliveries(lambda m: {}, letters(desk), smtp, slack, desk.clock)
    worker = OutboxWorker(store, deliveries, desk.clock, pace_s=0, backoff_base_s=0)
    while worker.run_once():
        pass


def plain(inbox: Inbox, index: int) -> str:
    return inbox.messages[index].get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_mail_clients_read_the_one_click_unsubscribe_header_as_written(
    database: Database, mail: tuple[RawInbox, str]
) -> None:
    inbox, url = mail
    clock = Clock()
    desk = shop(database, clock, stock=0, wants=1)
    clock.now = T + timedelta(minutes=11)
    desk.send_customer_notices()
    deliver(desk, url)
    inbox.wait_for(1)
    headers = inbox.raw[0].split(b"\r\n\r\n")[0].replace(b"\r\n ", b" ").split(b"\r\n")
    [unsubscribe] = [h for h in headers if h.lower().startswith(b"list-unsubscribe:")]
    assert b"=?" not in unsubscribe  # no RFC 2047 encoded-word: RFC 2369 wants the <URL>
    assert unsubscribe.startswith(b"List-Unsubscribe: <https://www.velo-bicycle")
    assert unsubscribe.endswith(b"/o/" + TOKEN.encode() + b"1/opt-out>")
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in headers


def test_a_line_not_yet_on_a_po_is_waiting_for_the_supplier_not_ordered(
    database: Database, mail: tuple[RawInbox, str]
) -> None:
    inbox, url = mail
    clock = Clock()
    desk = shop(database, clock, stock=0, wants=1)
    clock.now = T + timedelta(minutes=11)
    desk.send_customer_notices()
    deliver(desk, url)
    [email] = inbox.wait_for(1)
    assert email["Subject"] == "Part of your order #1001 is waiting for our supplier"
    body = " ".join(plain(inbox, 0).split())
    assert "we will order it with our next order to the supplier by Friday 6 November 2026" in body
    assert "ordered it" not in body and "on its way to us" not in body


def test_a_line_on_a_po_is_on_its_way_to_us(database: Database, mail: tuple[RawInbox, str]) -> None:
    inbox, url = mail
    clock = Clock()
    desk = shop(database, clock, stock=0, wants=1)
    proposed = desk.raise_po("Acme", "U1")
    desk.approve_po(proposed.po_id, proposed.version, Actor("U1", True))
    clock.now = T + timedelta(minutes=11)
    desk.send_customer_notices()
    deliver(desk, url)
    [email] = inbox.wait_for(1)
    assert email["Subject"] == "Part of your order #1001 is on its way to us"
    body = " ".join(plain(inbox, 0).split())
    assert "We have ordered it from our supplier: it is on its way to us" in body
    assert "next order" not in body


def test_the_delay_emails_choice_link_opens_the_choice(database: Database) -> None:
    desk = Backorders(database, Clock(), config(), email_enabled=True)
    delayed = NoticeToSend(
        1, "delayed", "queued", 1, "1001", "ann@example.com", "Ann", False, False,
        (T + timedelta(days=40)).date(), "our supplier's shipment is late",
        (("CHAIN", "Chain", 1),), (1,), frozenset({"1"}),
    )  # fmt: skip
    letter = letters(desk).letter(delayed, T)
    choice = f"{BASE}/o/{TOKEN}1#choice"
    assert f"choose here\n{choice}" in letter.text
    assert f'<a href="{choice}">choose here</a>' in letter.html


def test_a_queued_on_its_way_notice_for_a_line_cancelled_since_is_withdrawn_not_sent(
    database: Database, mail: tuple[RawInbox, str]
) -> None:
    inbox, url = mail
    clock = Clock()
    desk = shop(database, clock, stock=2, wants=4, on_its_way="auto")
    clock.now = T + timedelta(minutes=11)
    desk.send_customer_notices()
    deliver(desk, url)
    inbox.wait_for(1)  # backordered: 2 wait
    desk.import_catalog(catalog(("CHAIN", 4)))  # restocked: the line is filled
    assert desk.send_customer_notices() == 1  # on its way, queued
    desk.cancel_order("1001", "CHAIN")  # before the worker sends it
    deliver(desk, url)
    assert [m["Subject"] for m in inbox.messages] == [
        "Part of your order #1001 is waiting for our supplier"
    ]
    with database.engine.connect() as conn:
        statuses = dict(conn.execute(text("SELECT kind, status FROM customer_notices")).all())
        pending = conn.execute(text("SELECT COUNT(*) FROM outbox WHERE status = 'pending'"))
        assert pending.scalar_one() == 0  # its outbox row settled, not retried
    assert statuses == {"backordered": "sent", "on_its_way": "withdrawn"}
