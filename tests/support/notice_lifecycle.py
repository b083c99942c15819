"""The customer-notice lifecycle machine's world: the shop's settings and catalog, a real SMTP
server that refuses when told to, the bot's outbox worker routing as the bot does (customer
kinds first), what each customer read (parsed from the emails they got) and SQL reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

from sqlalchemy import text

from bot.config import AppConfig, parse_config
from bot.delivery.customer_notices import (
    CUSTOMER_EMAIL,
    ORDERED_SUBJECT,
    SUBJECTS,
    CustomerDeliveries,
    CustomerLetters,
    CustomerMail,
)
from bot.delivery.deliveries import Deliveries, EmailNotConfigured, EmailRecords
from bot.delivery.email_delivery import EmailDelivery, EmailRejected, SmtpSettings
from bot.delivery.legacy import UnknownNotice
from bot.delivery.notices import Notices
from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.slack_delivery import SlackDelivery
from bot.facade import Backorders
from domain.model import Catalog, Product, Supplier
from storage.db import Database
from storage.outbox import OutboxStore, QueuedMessage
from tests.support.lifecycle import Faults, FlakySlack, InjectedFault
from tests.support.smtp import Inbox

SHOP = "Velo Shop <shop@velo.example>"
# Velo is emailed (approved, then sent once the email went); Bolt is sent at once.
SUPPLIER_EMAILS = {"Velo Parts Ltd": "orders@velo.test", "Bolt Cycles": None}
SKUS = {"BK-CHAIN": "Velo Parts Ltd", "BK-PADS": "Velo Parts Ltd", "PUMP": "Bolt Cycles"}
SKU_NAMES = sorted(SKUS)


def shop_config(modes: dict[str, str], delay: str, ship_policy: str) -> AppConfig:
    """The shop: a weekly deadline, short promises and margins, so dates slip within weeks."""
    return parse_config(
        {
            "slack": {"channel": "C0PURCHASE"},
            "timezone": "UTC",
            "purchasing": {"deadline": "fri 15:00"},
            "fulfilment": {"ship_policy": ship_policy},
            "customers": {
                "from": SHOP,
                "promise_days": 12,
                "notice_delay": delay,
                "delay_margin_days": 3,
                "notices": modes,
            },
        }
    )


def shop_catalog(on_hand: dict[str, int], lead_days: dict[str, int]) -> Catalog:
    """The catalog with these stock levels and suppliers' lead times."""
    suppliers = tuple(
        Supplier(name, email, lead_days[name], 0) for name, email in SUPPLIER_EMAILS.items()
    )
    products = tuple(
        Product(sku, f"Item {sku}", supplier, on_hand[sku], 1, Decimal("9.50"))
        for sku, supplier in SKUS.items()
    )
    return Catalog(suppliers, products)


class RefusingInbox(Inbox):
    """The SMTP server's side: refuses a recipient for now (451) when `refusals` says so."""

    def __init__(self) -> None:
        super().__init__()
        self.refusals = Faults()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refusals.next_fails():
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class FlakyCustomerDeliveries(CustomerDeliveries):
    """Recording a notice sent fails when `write_faults` says so, after its email went."""

    write_faults: Faults

    def _settle(
        self, message: QueuedMessage, notice_id: int, status: str, result: dict[str, Any]
    ) -> dict[str, Any]:
        if "message_id" in result and self.write_faults.next_fails():
            raise InjectedFault("the database went away after the email was sent")
        return super()._settle(message, notice_id, status, result)


def shop_outbox(desk: Backorders, smtp_url: str, write_faults: Faults) -> OutboxWorker:
    """The bot's outbox worker as `bot.app` builds it: customer notices and their batches by
    the customer deliveries, everything else (PO emails, channel posts) by the rest."""
    store = OutboxStore(desk.database)
    slack = SlackDelivery(FlakySlack(Faults(), lambda content, how: None), store)  # type: ignore[arg-type]
    email = EmailDelivery(SmtpSettings.from_url(smtp_url))
    notices = Notices(desk.database, desk.clock, desk.config)
    records = EmailRecords(desk.database, desk.purchasing, desk.clock)
    letters = CustomerLetters(desk.database, desk.config, lambda o: f"https://velo.example/o/T{o}")
    customers = FlakyCustomerDeliveries(
        Deliveries(notices, slack, email, records),
        letters,
        CustomerMail(email, desk.config),
        slack,
        desk.clock,
    )
    customers.write_faults = write_faults
    permanent = (EmailRejected, EmailNotConfigured, UnknownNotice)
    return OutboxWorker(
        store, customers, desk.clock, pace_s=0, backoff_base_s=0, permanent=permanent
    )


# What a customer read.

_MESSAGE_ID = re.compile(r"^<notice(\d+)\.order(\d+)@")
_ITEM = re.compile(r"^- (.+) \((\d+)\)(?:: expected by (.+))?$")
_SHIP_BY = re.compile(r"^We now expect to ship it by (.+)\.$")


@dataclass(frozen=True)
class Heard:
    """One email as its customer reads it: to whom, which kind, which items, which date."""

    to: str
    kind: str
    items: frozenset[str]
    date: str | None
    notice_id: int  # from its Message-ID
    order_id: int

    @property
    def thing(self) -> tuple[str, str, frozenset[str], str | None]:
        return (self.to, self.kind, self.items, self.date)


def heard(message: EmailMessage) -> Heard:
    """What the customer reads in `message` (its kind from the subject)."""
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    items, dates = set(), set()
    for line in body.splitlines():
        item, ship_by = _ITEM.match(line), _SHIP_BY.match(line)
        if item:
            items.add(item[1])
            dates |= {item[3]} - {None}
        if ship_by:
            dates.add(ship_by[1])
    assert len(dates) <= 1, f"one email names several dates: {dates}\n{body}"
    ids = _MESSAGE_ID.match(str(message["Message-ID"]))
    assert ids, message["Message-ID"]
    kind = _kind(str(message["Subject"]))
    date = next(iter(dates), None)
    return Heard(str(message["To"]), kind, frozenset(items), date, int(ids[1]), int(ids[2]))


def _kind(subject: str) -> str:
    for kind, pattern in [*SUBJECTS.items(), ("backordered", ORDERED_SUBJECT)]:
        if re.fullmatch(re.escape(pattern).replace(re.escape("{order}"), ".+"), subject):
            return kind
    raise AssertionError(f"a customer email with an unknown subject: {subject!r}")


def customer_mail(inbox: Inbox) -> list[EmailMessage]:
    """The emails customers got (suppliers' POs go through the same server)."""
    return [m for m in list(inbox.messages) if str(m["Message-ID"]).startswith("<notice")]


# SQL reads.


def rows(database: Database, sql: str, **params: Any) -> list[Any]:
    with database.reader.connect() as conn:
        return list(conn.execute(text(sql), params))


def order_id(database: Database, number: str) -> int | None:
    found = rows(database, "SELECT id FROM orders WHERE number = :n", n=number)
    return int(found[0][0]) if found else None


def notice_statuses(database: Database) -> dict[int, str]:
    return {int(i): s for i, s in rows(database, "SELECT id, status FROM customer_notices")}


def open_batches(database: Database) -> list[int]:
    sql = "SELECT id FROM notice_batches WHERE status = 'awaiting_approval' ORDER BY id"
    return [int(row[0]) for row in rows(database, sql)]


def emails_in_flight(database: Database) -> int:
    """Customer emails the outbox has still to try."""
    sql = "SELECT COUNT(*) FROM outbox WHERE kind = :kind AND status = 'pending'"
    return int(rows(database, sql, kind=CUSTOMER_EMAIL)[0][0])


def filled_lines(database: Database, order_id: int) -> dict[str, bool]:
    """Per line name of the order: whether nothing of it waits and it is not cancelled."""
    sql = """SELECT name, waiting_qty, quantity, cancelled_at FROM order_lines
             WHERE order_id = :o"""
    return {
        name: waiting == 0 and quantity > 0 and cancelled is None
        for name, waiting, quantity, cancelled in rows(database, sql, o=order_id)
    }
