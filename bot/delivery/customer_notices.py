"""Customer notices sent: each worded when it goes (Jinja2 templates in `templates/email/`,
text and HTML), emailed through SMTP_URL, and marked sent in the transaction that settles its
outbox row. The Slack batches that approve them are rendered here too."""

from __future__ import annotations

import email.policy
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.config import AppConfig
from bot.delivery.customer_progress import progress
from bot.delivery.email_delivery import EmailDelivery, EmailMaybeTaken, EmailRejected
from bot.delivery.rendered import Post, Update
from bot.delivery.slack_delivery import NotReady
from domain.customer_notices import NoticeKind, still_holds
from domain.order_refs import shown
from handlers.blocks.customer_notices import batch_message
from handlers.blocks.formatting import SOURCES
from handlers.stores.order_notes import customer_note
from storage.customer_notices import WITHDRAWN, NoticeToSend, SqlCustomerNotices
from storage.db import Database
from storage.outbox import ClaimLost, OutboxStore, QueuedMessage
from storage.unit_of_work import SqlUnitOfWork

CUSTOMER_EMAIL = "customer.email"  # {notice_id}: one notice to its customer
NOTICE_BATCH = "customers.batch"  # {batch_id}: the channel message that approves a batch
BATCH_DECIDED = "customers.batch_decided"  # {batch_id}: that message, saying who decided
BATCH_GREW = "customers.batch_grew"  # {batch_id}: that message, counting notices that joined
AUDIENCE = "customers"  # paced apart from the team's channel: mail never delays Slack
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"
SUBJECTS = {
    "backordered": "Part of your order {order} is waiting for our supplier",
    "delayed": "Your order {order} will be later than we promised",
    "on_its_way": "Your order {order} is on its way",
}
ORDERED_SUBJECT = "Part of your order {order} is on its way to us"  # backordered, on a PO
# Headers are folded at whitespace only, never into RFC 2047 encoded-words: mail clients read
# List-Unsubscribe's <URL> literally (RFC 2369, RFC 8058), and a real URL passes 78 characters.
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)
Links = Callable[[int], str]


def batch_key(batch_id: int) -> str:
    return f"notice_batch:{batch_id}"


@dataclass(frozen=True)
class CustomerLetter:
    to: str
    subject: str
    text: str
    html: str
    unsubscribe: str
    message_key: str


class CustomerLetters:
    """Words a notice from the database as it is now."""

    def __init__(self, database: Database, config: AppConfig, journey_url: Links) -> None:
        self.database = database
        self.config = config
        self.settings = config.customers
        self.journey_url = journey_url
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )

    def notice(self, notice_id: int) -> NoticeToSend:
        with SqlUnitOfWork(self.database, read_only=True) as uow:
            found = SqlCustomerNotices(uow.tx).notice(notice_id)
        if found is None:
            raise NotReady(f"customer notice {notice_id} does not exist", never=True)
        return found

    def letter(self, notice: NoticeToSend, now: datetime) -> CustomerLetter:
        journey = self.journey_url(notice.order_id)
        order = shown(notice.order_number)
        subject = SUBJECTS[notice.kind]
        where = progress(self.database, self.config, notice, now)
        if notice.kind == NoticeKind.BACKORDERED and where.ordered:
            subject = ORDERED_SUBJECT
        values = {
            "first_name": notice.first_name,
            "order": order,
            "lines": [
                {"name": name or sku, "units": units, "expected": _day(notice.about_date)}
                for sku, name, units in notice.lines
            ],
            "expected": _day(notice.about_date),
            "reason": notice.reason or "",
            "journey_url": journey,
            "choice_url": choice_url(journey),
            "ordered": where.ordered,
            "next_order": _day(where.next_order),
            "opt_out_url": opt_out_url(journey),
            "shop": self.settings.shop,
            "signature": self.settings.signature or f"— {self.settings.shop}",
            "subject": subject.format(order=order),
        }
        return CustomerLetter(
            to=notice.email or "",
            subject=values["subject"],
            text=self.env.get_template(f"{notice.kind}.txt").render(values),
            html=self.env.get_template(f"{notice.kind}.html").render(values),
            unsubscribe=opt_out_url(journey),
            message_key=f"notice{notice.notice_id}.order{notice.order_id}",
        )

    def note_preview(self, notice_id: int, source: str) -> str:
        """The store's customer note for one notice (the store emails it, not the bot)."""
        notice = self.notice(notice_id)
        journey = self.journey_url(notice.order_id)
        note = customer_note(notice.kind, notice.lines, notice.about_date, notice.reason, journey)
        store = SOURCES.get(source, source)
        order = shown(notice.order_number)
        return f"{store} customer note on order {order} ({store} emails it):\n\n{note}"

    def preview(self, notice_id: int, now: datetime) -> str:
        """The text part of one notice, as its customer would read it."""
        letter = self.letter(self.notice(notice_id), now)
        return f"To: {letter.to}\nSubject: {letter.subject}\n\n{letter.text}"


def opt_out_url(journey: str) -> str:
    """The opt-out page: one button, and RFC 8058's one-click POST for mail clients."""
    return f"{journey}/opt-out"


def notice_holds(database: Database, notice: NoticeToSend) -> bool:
    """Whether the notice still tells the truth as it goes, whatever its kind and however it
    was decided: its lines still wait (or are still filled), the customer may still hear."""
    with SqlUnitOfWork(database, read_only=True) as uow:
        order = SqlCustomerNotices(uow.tx).orders([notice.order_id]).get(notice.order_id)
    if order is None:
        return False
    kind = NoticeKind(notice.kind)
    return still_holds(kind, notice.line_ids, notice.about_date, order)


def choice_url(journey: str) -> str:
    """The journey page's choice section: keep waiting, or cancel what waits."""
    return f"{journey}#choice"


def _day(day: date | None) -> str | None:
    return f"{day:%A %-d %B %Y}" if day else None


class CustomerMail:
    """Sends a customer letter (text and HTML) with the shop's From and Reply-To."""

    def __init__(self, smtp: EmailDelivery, config: AppConfig) -> None:
        self.smtp = smtp
        self.settings = config.customers

    def message(self, letter: CustomerLetter) -> EmailMessage:
        sender = self.settings.from_address or self.smtp.settings.sender
        message = EmailMessage()
        message["From"] = sender
        message["To"] = letter.to
        message["Subject"] = letter.subject
        if self.settings.reply_to:
            message["Reply-To"] = self.settings.reply_to
        message["Date"] = format_datetime(datetime.now().astimezone())
        domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
        message["Message-ID"] = f"<{letter.message_key}@{domain}>"
        message["List-Unsubscribe"] = f"<{letter.unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
        message.set_content(letter.text)
        message.add_alternative(letter.html, subtype="html")
        message.policy = MAIL_POLICY  # the parts encoded as before; headers folded as it says
        return message

    def __call__(self, letter: CustomerLetter) -> dict[str, Any]:
        message = self.message(letter)
        try:
            self.smtp.send(message)
        except smtplib.SMTPRecipientsRefused as error:
            if all(code >= 500 for code, _ in error.recipients.values()):
                raise EmailRejected(f"{letter.to} refused") from error
            raise
        return {"to": letter.to, "message_id": message["Message-ID"]}


class CustomerDeliveries:
    """The outbox's way for customer kinds; every other kind goes to `rest`."""

    def __init__(
        self,
        rest: Callable[[QueuedMessage], dict[str, Any]],
        letters: CustomerLetters,
        mail: CustomerMail | None,
        slack: Callable[[str, Post | Update, QueuedMessage], dict[str, Any]],
        clock: Callable[[], datetime],
    ) -> None:
        self.rest = rest
        self.letters = letters
        self.mail = mail
        self.slack = slack
        self.clock = clock

    def __call__(self, message: QueuedMessage) -> dict[str, Any]:
        if message.kind == CUSTOMER_EMAIL:
            return self._email(message)
        if message.kind in (NOTICE_BATCH, BATCH_DECIDED, BATCH_GREW):
            return self.slack(message.channel, self._batch(message), message)  # posted once
        return self.rest(message)

    def _batch(self, message: QueuedMessage) -> Post | Update:
        batch_id = int(message.payload["batch_id"])
        with SqlUnitOfWork(self.letters.database, read_only=True) as uow:
            batch = SqlCustomerNotices(uow.tx).batch(batch_id)
        if batch is None:
            raise NotReady(f"notice batch {batch_id} does not exist", never=True)
        text, blocks = batch_message(batch)
        if message.kind in (BATCH_DECIDED, BATCH_GREW):
            return Update(batch_key(batch_id), text, blocks)
        return Post(text, blocks)

    def _email(self, message: QueuedMessage) -> dict[str, Any]:
        notice_id = int(message.payload["notice_id"])
        notice = self.letters.notice(notice_id)
        if notice.status != "queued" or notice.opted_out or notice.cancelled or not notice.email:
            return self._settle(message, notice_id, "cancelled", {"not_sent": "moot"})
        if message.handed_at is not None:  # it may have gone: at most once for customers
            return self._settle(message, notice_id, "sent", {"uncertain": True})
        if not notice_holds(self.letters.database, notice):  # lines filled, cut or cancelled since
            return self._settle(message, notice_id, WITHDRAWN, {"not_sent": "no longer true"})
        if self.mail is None:
            raise NotReady("SMTP_URL is not set: customer notices wait")
        letter = self.letters.letter(notice, self.clock())
        store = OutboxStore(self.letters.database)
        if not store.hand_over(message, self.clock()):  # from now on it may have gone
            raise ClaimLost(f"outbox message {message.id} is another worker's now")
        try:
            result = self.mail(letter)
        except EmailMaybeTaken:
            raise  # the mark stays: the next try counts it sent rather than send a second copy
        except BaseException:
            store.take_back(message)  # refused or no answer before DATA: a retry may send
            raise
        return self._settle(message, notice_id, "sent", result)

    def _settle(
        self, message: QueuedMessage, notice_id: int, status: str, result: dict[str, Any]
    ) -> dict[str, Any]:
        return settle_notice(
            self.letters.database, message, notice_id, status, result, self.clock()
        )


def settle_notice(
    database: Database,
    message: QueuedMessage,
    notice_id: int,
    status: str,
    result: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """The notice's fate and its outbox row: both written or neither."""
    with SqlUnitOfWork(database) as uow:
        SqlCustomerNotices(uow.tx).settle(notice_id, status, now)
        uow.outbox.settle(message.id, "sent", result, now)
        uow.commit()
    return result
