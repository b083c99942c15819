"""Emails a PO workbook to a supplier over SMTP, configured by one `SMTP_URL`.

`smtp://user:pass@host:port` is plain SMTP (add `?starttls=1` to upgrade the connection),
`smtps://...` is implicit TLS; default ports 25 and 465; `?from=bot@shop.example` sets the
sender. Errors propagate so the outbox worker retries them, except a permanent refusal of the
recipient, raised as `EmailRejected` so the message is set aside.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from bot.delivery.outbox_worker import RetryQuietly
from bot.delivery.rendered import Letter
from domain.purchasing import PurchaseOrderView
from domain.wording import plural

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
# A whole send (connect, EHLO, STARTTLS, AUTH, DATA) ends within this many seconds: a server
# that answers a byte at a time never trips the per-read timeout, and would hold the mail lane.
SEND_DEADLINE_S = 60.0
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class EmailRejected(Exception):
    """The server refused the recipient for good (5xx): sending again cannot help."""


class EmailMaybeTaken(RetryQuietly):
    """The whole message went, to its final dot, and the server's answer never came (the
    connection closed, or timed out, or the deadline cut it): the server may have taken it.
    The mark made before sending stays, so the next try asks a person instead of emailing the
    supplier twice (docs/operations.md, "At most once for a supplier's email")."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail; the password never appears in a repr or an error."""

    host: str
    port: int
    sender: str
    implicit_tls: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """Settings from an `SMTP_URL`; a `ValueError` names what is wrong with it."""
        parts = urlsplit(url.strip())
        if parts.scheme not in DEFAULT_PORTS:
            raise ValueError(
                f"SMTP_URL must start with smtp:// or smtps://, not {parts.scheme or 'nothing'}"
            )
        if not parts.hostname:
            raise ValueError("SMTP_URL has no host (expected smtp://user:pass@host:port)")
        options = _options(parts.query)
        starttls = _flag(options.pop("starttls", "0"))
        if starttls and parts.scheme == "smtps":
            raise ValueError("SMTP_URL: smtps:// is already TLS; starttls=1 is for smtp://")
        username, password = _credentials(parts)
        sender = options.pop("from", None) or f"backorders@{parts.hostname}"
        local, _, domain = sender.rpartition("@")
        if not (local and domain) or any(c.isspace() for c in sender):
            raise ValueError(f"SMTP_URL: from={sender!r} is not an email address")
        if options:
            unknown = ", ".join(sorted(options))
            raise ValueError(f"SMTP_URL: unknown option {unknown} (known: from, starttls)")
        return cls(
            host=parts.hostname,
            port=_port(parts),
            sender=sender,
            implicit_tls=parts.scheme == "smtps",
            starttls=starttls,
            username=username,
            password=password,
        )


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError:  # urllib's message would quote the whole netloc, password included
        raise ValueError("SMTP_URL: the port must be a number from 1 to 65535") from None
    if port == 0:
        raise ValueError("SMTP_URL: the port must be a number from 1 to 65535")
    return port or DEFAULT_PORTS[parts.scheme]


def _credentials(parts: SplitResult) -> tuple[str | None, str | None]:
    if not parts.username:
        if parts.password:
            raise ValueError("SMTP_URL has a password but no user")
        return None, None
    if parts.password is None:
        raise ValueError("SMTP_URL has a user but no password (smtp://user:pass@host)")
    return unquote(parts.username), unquote(parts.password)


def _options(query: str) -> dict[str, str]:
    """`?a=1&b=2` as a dict; `unquote`, not `parse_qs`, so a `+` in an address stays a `+`."""
    options: dict[str, str] = {}
    for pair in filter(None, query.split("&")):
        name, _, value = (unquote(part) for part in pair.partition("="))
        if name in options:
            raise ValueError(f"SMTP_URL: option {name!r} is given twice")
        options[name] = value
    return options


def _flag(value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError(f"SMTP_URL: starttls={value!r} is not 1 or 0")


def po_letter(po: PurchaseOrderView, to: str, workbook: tuple[str, bytes]) -> Letter:
    """The email that sends an approved PO to its supplier, its workbook attached."""
    lines = "\n".join(f"- {line.sku} {line.name}: {line.quantity}" for line in po.lines)
    body = (
        f"Hello {po.supplier},\n\nPlease find attached purchase order {po.number} "
        f"({plural(po.units, 'unit')}).\n\n{lines}\n\nThank you.\n"
    )
    subject = f"Purchase order {po.number}"
    return Letter(to, subject, body, workbook, message_key=f"{po.number}.po{po.po_id}")


class EmailDelivery:
    """Sends one letter with its attachment; returns the Message-ID."""

    def __init__(
        self, settings: SmtpSettings, timeout_s: float = 15, deadline_s: float = SEND_DEADLINE_S
    ) -> None:
        self.settings = settings
        self.timeout_s = timeout_s
        self.deadline_s = deadline_s

    def __call__(self, letter: Letter) -> dict[str, Any]:
        message = self.message(letter)
        try:
            self._send(message)
        except smtplib.SMTPRecipientsRefused as error:
            if _permanent(error):
                raise EmailRejected(_refusals(error)) from error
            raise  # 4xx (a full mailbox, greylisting): the server asks us to come back
        return {"to": letter.to, "message_id": message["Message-ID"]}

    def message(self, letter: Letter) -> EmailMessage:
        """The email for `letter`: plain-text body, the workbook attached."""
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = letter.to
        message["Subject"] = letter.subject
        if letter.reply_to:
            message["Reply-To"] = letter.reply_to
        message["Date"] = format_datetime(datetime.now(UTC))
        domain = self.settings.sender.rpartition("@")[2]
        key = letter.message_key
        # A stable Message-ID per PO lets mail systems drop the copy a retry may send.
        message["Message-ID"] = f"<{key}@{domain}>" if key else make_msgid(domain=domain)
        message.set_content(letter.body)
        filename, content = letter.attachment
        message.add_attachment(content, *XLSX_TYPE, filename=filename)
        return message

    def send(self, message: EmailMessage) -> None:
        """Hand a message built elsewhere (a customer's letter) to the SMTP server."""
        self._send(message)

    def _send(self, message: EmailMessage) -> None:
        smtp = self._client()
        watchdog = _Watchdog(smtp, self.deadline_s)
        try:
            smtp.connect(self.settings.host, self.settings.port)
            if self.settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.settings.username is not None:
                smtp.login(self.settings.username, self.settings.password or "")
            smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            smtp.close()
            late = f"the mail server took more than {self.deadline_s:g} s to take the message"
            if _maybe_taken(smtp, error):
                why = late if watchdog.fired.is_set() else f"{type(error).__name__}: {error}"
                raise EmailMaybeTaken(f"the message went whole, then no answer ({why})") from error
            if watchdog.fired.is_set():
                raise TimeoutError(late) from error
            raise
        finally:
            watchdog.cancel()
        _quit(smtp)  # the message is taken: a failed goodbye changes nothing

    def _client(self) -> smtplib.SMTP:
        """An SMTP client not yet connected, so the deadline also covers the greeting."""
        if self.settings.implicit_tls:
            context = ssl.create_default_context()
            return _SmtpSsl(timeout=self.timeout_s, context=context)
        return _Smtp(timeout=self.timeout_s)


class _NotesTheDot:
    """An SMTP client that notes when the whole message, to its final dot, has gone."""

    message_sent = False

    def send(self, s: str | bytes) -> None:
        super().send(s)  # type: ignore[misc]
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):  # DATA's content (smtplib)
            self.message_sent = True


class _Smtp(_NotesTheDot, smtplib.SMTP):
    pass


class _SmtpSsl(_NotesTheDot, smtplib.SMTP_SSL):
    pass


def _maybe_taken(smtp: smtplib.SMTP, error: BaseException) -> bool:
    """Whether the server may hold the message though it never said so: all of it went and no
    answer came. An answer (451, 550) says it was not taken; a reset connection says the
    server left part of what was sent unread, so it cannot have taken the message either."""
    if not getattr(smtp, "message_sent", False):
        return False
    if isinstance(error, smtplib.SMTPResponseException):
        return False
    causes = (error, error.__cause__, error.__context__)
    return not any(isinstance(cause, ConnectionResetError) for cause in causes)


class _Watchdog:
    """Cuts the connection when the deadline passes, whatever step the send is waiting on."""

    def __init__(self, smtp: smtplib.SMTP, deadline_s: float) -> None:
        self.smtp = smtp
        self.fired = threading.Event()
        self._timer = threading.Timer(deadline_s, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def _cut(self) -> None:
        self.fired.set()
        sock = self.smtp.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing to cut
                sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked read; close() would not

    def cancel(self) -> None:
        self._timer.cancel()


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _permanent(error: smtplib.SMTPRecipientsRefused) -> bool:
    return all(code >= 500 for code, _ in error.recipients.values())


def _refusals(error: smtplib.SMTPRecipientsRefused) -> str:
    return "; ".join(
        f"{address} refused: {code} {reply.decode(errors='replace')}"
        for address, (code, reply) in error.recipients.items()
    )
