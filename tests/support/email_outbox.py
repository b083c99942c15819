"""A Velo PO approved and its outbox run once through: a real mail server (tests/support/smtp.py)
that may drop the connection first, and a database write after the email that may fail."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage

from bot.config import parse_config
from bot.delivery.deliveries import Deliveries
from bot.delivery.email_delivery import EmailDelivery, SmtpSettings
from bot.delivery.notices import Notices
from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.slack_delivery import SlackDelivery
from bot.facade import Backorders
from storage.db import Database
from storage.outbox import OutboxStore
from tests.support.builders import delivery, order
from tests.support.lifecycle import SKU_NAMES, VELO, Faults, FlakyRecords, FlakySlack, shop_catalog
from tests.support.lifecycle_stores import BOSS

__all__ = ["T0", "VELO", "deliver_approved_po"]

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CONFIG = parse_config({"slack": {"channel": "C0PURCHASE"}, "timezone": "UTC"})


class DroppingFirst(EmailDelivery):
    """The real SMTP conversation, after the disconnects `drops` plans (nothing was taken)."""

    def __init__(self, url: str, drops: Faults) -> None:
        super().__init__(SmtpSettings.from_url(url))
        self.drops = drops

    def _send(self, message: EmailMessage) -> None:
        if self.drops.next_fails():
            raise smtplib.SMTPServerDisconnected("the mail server closed the connection")
        super()._send(message)


def deliver_approved_po(
    database: Database, url: str, record_fails: list[bool], smtp_drops: list[bool]
) -> tuple[FlakySlack, str]:
    """Approve a Velo PO, run the outbox until it is empty; Slack's posts and the PO's thread."""
    desk = Backorders(database, lambda: T0, CONFIG, email_enabled=True)
    desk.import_catalog(shop_catalog(dict.fromkeys(SKU_NAMES, 0)))
    desk.ingest(delivery(order("1001", ("BK-PADS-DISC", 3), placed=T0)))
    proposal = desk.raise_po(VELO.name, BOSS.user)
    desk.approve_po(proposal.po_id, proposal.version, BOSS)
    store, slack = OutboxStore(database), FlakySlack(Faults(), lambda *_: None)
    to_slack = SlackDelivery(slack, store)  # type: ignore[arg-type]
    email = DroppingFirst(url, Faults(smtp_drops))
    notices = Notices(database, desk.clock, desk.config)
    deliveries = Deliveries(notices, to_slack, email, FlakyRecords(desk, Faults(record_fails)))
    worker = OutboxWorker(store, deliveries, desk.clock, pace_s=0, backoff_base_s=0)
    for _ in range(20):  # retries are due at once (no backoff): until nothing is left
        if not worker.run_once():
            break
    thread = store.result_of(f"po:{proposal.po_id}")
    assert thread is not None, "the proposal was never posted"
    return slack, str(thread["ts"])
