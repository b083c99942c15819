"""Sends each outbox notice as the registry renders it, to Slack or by email; the bot never
e-mails a supplier twice by itself: a try that finds an email may already have gone asks a
person instead."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.delivery.email_delivery import EmailMaybeTaken
from bot.delivery.notices import Notices
from bot.delivery.outbox_worker import RetryQuietly
from bot.delivery.rendered import Letter, Rendered
from bot.delivery.slack_delivery import NotReady, SlackDelivery
from domain import po_sending
from domain.purchase_orders import PurchasingSetup
from domain.purchasing import PoState
from storage.db import Database
from storage.outbox import ClaimLost, OutboxStore, QueuedMessage
from storage.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)


class EmailNotConfigured(Exception):
    """An email was queued but SMTP_URL is not set (it was unset after queueing)."""


class GoodsCameFirst(NotReady):
    """The PO's goods arrived (or it was closed) before its email could go: the supplier has
    it, and a late email would have them ship it again. Set aside, never sent."""

    def __init__(self, message: str) -> None:
        super().__init__(message, never=True)


class Unworded(NotReady):
    """A notice whose facts its kind cannot word (a bug, or a row edited by hand): set aside,
    so the messages queued behind it in its channel still go."""

    def __init__(self, message: str) -> None:
        super().__init__(message, never=True)


class EmailNotRecorded(RetryQuietly):
    """The mail server took the email but recording that failed: the next try asks a person."""


class EmailRecords:
    """The writes around one email: the mark before it goes, then what came of it together
    with the outbox row, in one transaction."""

    def __init__(
        self, database: Database, setup: PurchasingSetup, clock: Callable[[], datetime]
    ) -> None:
        self.database = database
        self.setup = setup
        self.clock = clock
        self.store = OutboxStore(database)

    def handing_over(self, message: QueuedMessage) -> None:
        """Marked before it goes; raises ClaimLost (nothing is sent) if another worker holds it."""
        if not self.store.hand_over(message, self.clock()):
            raise ClaimLost(f"outbox message {message.id} is another worker's now")

    def not_taken(self, message: QueuedMessage) -> None:
        self.store.take_back(message)

    def emailed(self, message: QueuedMessage, result: dict[str, Any]) -> None:
        """The PO is sent and its email is sent: both are written or neither is."""
        now = self.clock()
        with SqlUnitOfWork(self.database) as uow:
            po_sending.record_emailed(uow, _po_id(message), _to(message), now, self.setup)
            uow.outbox.settle(message.id, "sent", result, now, message.claim)
            uow.commit()

    def not_sent(self, message: QueuedMessage, state: str) -> None:
        """The PO's thread hears that its email was dropped, and why."""
        po_sending.email_not_sent(
            SqlUnitOfWork(self.database),
            _po_id(message),
            _to(message),
            state,
            self.clock(),
            self.setup,
        )

    def uncertain(self, message: QueuedMessage) -> dict[str, Any]:
        """The thread asks a person to check with the supplier; the email is not sent again."""
        assert message.handed_at is not None
        now, to = self.clock(), _to(message)
        result = {"to": to, "uncertain": message.handed_at.isoformat()}
        with SqlUnitOfWork(self.database) as uow:
            po_sending.record_email_uncertain(
                uow, _po_id(message), to, message.handed_at, now, self.setup
            )
            uow.outbox.settle(message.id, "uncertain", result, now, message.claim)
            uow.commit()
        return result


class Deliveries:
    def __init__(
        self,
        notices: Notices,
        slack: SlackDelivery,
        email: Callable[[Letter], dict[str, Any]] | None,
        records: EmailRecords,
    ) -> None:
        self.notices = notices
        self.slack = slack
        self.email = email
        self.records = records

    def __call__(self, message: QueuedMessage) -> dict[str, Any]:
        if not self.notices.is_letter(message):
            rendered = self._render(message)
            assert not isinstance(rendered, Letter)
            return self.slack(message.channel, rendered, message)
        if message.handed_at is not None:  # the bot died, or a write failed, after handing it
            return self.records.uncertain(message)
        if self.email is None:
            raise EmailNotConfigured("SMTP_URL is not set")
        return self._email(message, self.email)

    def _render(self, message: QueuedMessage) -> Rendered:
        """The notice as it reads now. A database error is retried like any other; facts
        that cannot be worded never will be, so the row is set aside with its traceback."""
        try:
            return self.notices.render(message)
        except (KeyError, TypeError, ValueError) as error:
            log.exception("outbox message %s (%s) cannot be worded", message.id, message.kind)
            raise Unworded(f"{message.kind} cannot be worded: {error!r}") from error

    def _email(
        self, message: QueuedMessage, send: Callable[[Letter], dict[str, Any]]
    ) -> dict[str, Any]:
        po = self.notices.po(_po_id(message))
        if po.state is not PoState.APPROVED:
            self.records.not_sent(message, po.state.value)
            raise GoodsCameFirst(f"{po.number} is {po.state}: its email is not sent")
        letter = self._render(message)
        assert isinstance(letter, Letter)
        self.records.handing_over(message)
        try:
            result = send(letter)
        except EmailMaybeTaken:
            raise  # the mark stays: the next try asks a person rather than email it twice
        except BaseException:
            self.records.not_taken(message)  # refused or no answer before DATA: a retry may send
            raise
        try:
            self.records.emailed(message, result)
        except Exception as error:
            log.exception("email %s went, but recording it failed", message.id)
            raise EmailNotRecorded(f"the email went; recording it failed: {error}") from error
        return result


def _po_id(message: QueuedMessage) -> int:
    return int(message.payload["po_id"])


def _to(message: QueuedMessage) -> str:
    return str(message.payload["to"])
