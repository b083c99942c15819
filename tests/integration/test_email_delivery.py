"""Emailing a PO through a real SMTP server (aiosmtpd on 127.0.0.1), and reading SMTP_URL."""

from __future__ import annotations

import io
import smtplib
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from openpyxl import load_workbook

from bot.delivery.email_delivery import EmailDelivery, EmailRejected, SmtpSettings
from bot.delivery.rendered import Letter
from domain.purchasing import PoLine, PoStatus, PurchaseOrderView
from storage.db import Database
from storage.po_workbook import po_workbook
from tests.support.email_outbox import T0, VELO, deliver_approved_po
from tests.support.smtp import smtp_server

USER, PASSWORD = "po-bot", "s3cret:/@ x"
PASSWORD_IN_URL = "s3cret%3A%2F%40%20x"
SUPPLIER = "orders@velo.example"
ISSUED = datetime(2026, 3, 27, 10, tzinfo=UTC)
PO = PurchaseOrderView(
    po_id=42,
    version=3,
    status=PoStatus.APPROVED,
    supplier="Velo Parts Ltd",
    supplier_email=SUPPLIER,
    lead_time_days=10,
    number="PO-0042",
    lines=(
        PoLine("TUBE-700", "Inner tube 700c", 5, 12, 6, Decimal("2.5")),
        PoLine("CHAIN-9", "Chain, 9-speed", 7, 10, 5, Decimal("11.2")),
    ),
    orders_served=9,
    oldest_placed_at=None,
    trigger="deadline",
    proposed_at=ISSUED,
)


class Inbox:
    """An aiosmtpd handler that keeps what it accepts, or refuses recipients when told to."""

    def __init__(self) -> None:
        self.received: list[tuple[Envelope, Session]] = []
        self.refusal: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refusal:
            return self.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.received.append((envelope, session))
        return "250 Message accepted for delivery"


def accept_po_bot(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    success = auth_data == LoginPassword(USER.encode(), PASSWORD.encode())
    # handled=False: aiosmtpd answers a failure with 535 itself (the default sends nothing)
    return AuthResult(success=success, handled=False, auth_data=auth_data)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        ready_timeout=5,
        authenticator=accept_po_bot,
        auth_require_tls=False,
    )
    controller.start()
    yield handler, port
    controller.stop()


def delivery(url: str, timeout_s: float = 5) -> EmailDelivery:
    return EmailDelivery(SmtpSettings.from_url(url), timeout_s=timeout_s)


LETTER = Letter(
    to=SUPPLIER,
    subject="Purchase order PO-0042 from Cycle Shop",
    body="Hello,\n\nPlease find our purchase order PO-0042 attached.\n",
    attachment=("PO-0042.xlsx", po_workbook(PO, ISSUED, ZoneInfo("Europe/London"))),
    reply_to="buyer@cycleshop.example",
)


def received_message(envelope: Envelope) -> EmailMessage:
    message = message_from_bytes(envelope.original_content or b"", policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_the_supplier_gets_one_email_with_the_po_workbook(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    result = delivery(f"smtp://127.0.0.1:{port}?from=buyer%2Bpo@cycleshop.example")(LETTER)

    [(envelope, _)] = handler.received
    assert envelope.mail_from == "buyer+po@cycleshop.example"
    assert envelope.rcpt_tos == [SUPPLIER]
    message = received_message(envelope)
    assert message["Subject"] == LETTER.subject
    assert message["Reply-To"] == LETTER.reply_to
    assert result == {"to": SUPPLIER, "message_id": message["Message-ID"]}
    assert message["Message-ID"].endswith("@cycleshop.example>")
    body = message.get_body(("plain",))
    assert body is not None and "PO-0042 attached" in body.get_content()

    [attachment] = message.iter_attachments()
    assert attachment.get_filename() == "PO-0042.xlsx"
    assert attachment.get_content_type() == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(attachment.get_content())).active
    assert sheet is not None
    lines = [row for row in sheet.iter_rows(values_only=True) if row[0] in {"TUBE-700", "CHAIN-9"}]
    assert [(row[0], row[2], row[5]) for row in lines] == [
        ("TUBE-700", 12, 30),
        ("CHAIN-9", 10, 112),
    ]


def test_a_url_with_a_user_logs_in(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    delivery(f"smtp://{USER}:{PASSWORD_IN_URL}@127.0.0.1:{port}")(LETTER)
    [(_, session)] = handler.received
    assert session.authenticated
    assert session.auth_data == LoginPassword(USER.encode(), PASSWORD.encode())


def test_a_wrong_password_raises_and_sends_nothing(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    with pytest.raises(smtplib.SMTPAuthenticationError):
        delivery(f"smtp://{USER}:wrong@127.0.0.1:{port}")(LETTER)
    assert handler.received == []


def test_a_recipient_refused_for_good_is_rejected(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    handler.refusal = "550 5.1.1 No such mailbox"
    with pytest.raises(EmailRejected, match=r"550 5\.1\.1 No such mailbox"):
        delivery(f"smtp://127.0.0.1:{port}")(LETTER)


def test_a_recipient_refused_for_now_is_retried_not_rejected(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    handler.refusal = "450 4.7.1 Greylisted, please try again later"
    with pytest.raises(smtplib.SMTPRecipientsRefused) as raised:
        delivery(f"smtp://127.0.0.1:{port}")(LETTER)
    assert not isinstance(raised.value, EmailRejected)


def test_starttls_asked_for_but_not_offered_never_sends_in_the_clear(
    inbox: tuple[Inbox, int],
) -> None:
    handler, port = inbox
    with pytest.raises(smtplib.SMTPNotSupportedError):
        delivery(f"smtp://{USER}:{PASSWORD_IN_URL}@127.0.0.1:{port}?starttls=1")(LETTER)
    assert handler.received == []


def test_no_server_raises_quickly() -> None:
    started = time.monotonic()
    with pytest.raises(OSError):
        delivery(f"smtp://127.0.0.1:{free_port()}", timeout_s=1)(LETTER)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", SmtpSettings("mail.example", 25, "backorders@mail.example")),
        (
            "smtps://bot%40shop:p%3Ass@mail.example?from=po@shop.example",
            SmtpSettings("mail.example", 465, "po@shop.example", True, False, "bot@shop", "p:ss"),
        ),
        (
            "smtp://u:p@10.0.0.5:587?starttls=1",
            SmtpSettings("10.0.0.5", 587, "backorders@10.0.0.5", False, True, "u", "p"),
        ),
    ],
)
def test_smtp_urls_are_read(url: str, expected: SmtpSettings) -> None:
    assert SmtpSettings.from_url(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://x", "must start with smtp:// or smtps://, not http"),
        ("mail.example", "must start with smtp:// or smtps://, not nothing"),
        ("smtp://", "has no host"),
        ("smtp://user:pass@:25", "has no host"),
        ("smtp://user:pass@mail.example:port", "port must be a number from 1 to 65535"),
        ("smtp://mail.example:70000", "port must be a number from 1 to 65535"),
        ("smtp://mail.example:0", "port must be a number from 1 to 65535"),
        ("smtp://user@mail.example", "has a user but no password"),
        ("smtps://mail.example?starttls=1", "smtps:// is already TLS"),
        ("smtp://mail.example?starttls=maybe", "starttls='maybe' is not 1 or 0"),
        ("smtp://mail.example?from=nobody", "from='nobody' is not an email address"),
        ("smtp://mail.example?form=a@b.example", "unknown option form"),
    ],
)
def test_a_bad_smtp_url_is_refused_with_a_reason(url: str, message: str) -> None:
    with pytest.raises(ValueError, match="SMTP_URL") as raised:
        SmtpSettings.from_url(url)
    assert message in str(raised.value)


def test_the_password_stays_out_of_errors_and_reprs() -> None:
    with pytest.raises(ValueError) as raised:
        SmtpSettings.from_url("smtp://user:hunter2@mail.example:port")
    assert "hunter2" not in str(raised.value)
    assert "hunter2" not in repr(SmtpSettings.from_url("smtp://user:hunter2@mail.example"))


def test_an_email_that_went_but_was_not_recorded_is_not_sent_again(database: Database) -> None:
    with smtp_server() as (mail, url):
        slack, thread = deliver_approved_po(database, url, record_fails=[True], smtp_drops=[])
        assert len(mail.messages) == 1, "the supplier was e-mailed twice"
    [(posted_in, text)] = [post for post in slack.posts if "may have gone" in post[1]]
    assert posted_in == thread
    assert f"The email to {VELO.email} may have gone at {T0:%a} {T0.day} {T0:%b %H:%M}" in text
    assert "check with the supplier before sending again" in text
    assert "*Mark sent* (they have it) or *Send again* (they do not)" in text
    assert not [text for _, text in slack.posts if text.startswith("📧 Emailed")]


def test_an_email_the_server_did_not_take_is_sent_on_the_retry(database: Database) -> None:
    with smtp_server() as (mail, url):
        slack, thread = deliver_approved_po(database, url, record_fails=[], smtp_drops=[True])
        assert len(mail.messages) == 1
    assert (thread, f"📧 Emailed to {VELO.email}.") in slack.posts
    assert not [text for _, text in slack.posts if "may have gone" in text]
