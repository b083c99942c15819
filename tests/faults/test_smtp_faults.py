"""A mail server that refuses, drops the connection or drips: the supplier still gets its PO
once (never twice), and a dripping server holds neither Slack nor the mail lane for long."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from bot.console.local_slack import LocalSlack
from bot.facade import utc_now
from domain.model import Catalog, Product, Supplier
from domain.notifications import ORDERS_READY, PO_EMAIL_DELAYED, PO_EMAIL_UNCERTAIN, Notice
from domain.po_refusals import Actor
from storage.db import Database
from storage.unit_of_work import SqlUnitOfWork
from tests.e2e.conftest import RunningBot, serving_slack_bot
from tests.integration.test_customer_notices import Clock, T, deliver, shop
from tests.integration.test_notices import RecordingSlack
from tests.support.bot_process import wait_until
from tests.support.builders import delivery, order
from tests.support.flaky_smtp import Fault, FlakySmtp, flaky_smtp

APPROVER = Actor("U012ABCDEF", True)
DEADLINE_S = 3.0  # the whole send's deadline here (60 s in production)


@pytest.fixture
def mail() -> Iterator[FlakySmtp]:
    with flaky_smtp() as server:
        yield server


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as local:
        yield local


@pytest.fixture
def bot(database: Database, slack: LocalSlack, mail: FlakySmtp) -> Iterator[RunningBot]:
    with serving_slack_bot(database, slack, SMTP_URL=mail.url) as running:
        for worker in running.bot.workers:
            worker.backoff_base_s = 0.05
        deliveries: Any = running.bot.deliveries
        deliveries.email.deadline_s = DEADLINE_S
        running.bot.backorders.import_catalog(
            Catalog(
                (Supplier("Acme", "orders@acme.test", 5, 10**6),),
                (Product("CHAIN", "11-speed chain", "Acme", 0, 6, Decimal("18.90")),),
            )
        )
        yield running


def approve_a_po(bot: RunningBot) -> int:
    """Order 1001 waits for 5 chains; a PO is raised and approved: its email is queued."""
    desk = bot.bot.backorders
    desk.ingest(delivery(order("1001", ("CHAIN", 5))))
    proposed = desk.raise_po("Acme", APPROVER.user)
    desk.approve_po(proposed.po_id, proposed.version, APPROVER)
    for worker in bot.bot.workers:
        worker.wake()
    return proposed.po_id


def outbox(database: Database, kind: str) -> list[tuple[str, dict[str, Any]]]:
    with database.engine.connect() as conn:
        found = conn.execute(
            text("SELECT status, payload FROM outbox WHERE kind = :k ORDER BY id"), {"k": kind}
        )
        return [(status, json.loads(payload)) for status, payload in found]


def settled(database: Database) -> Callable[[], bool]:
    def check() -> bool:
        return [s for s, _ in outbox(database, "po.to_supplier")] in (["sent"], ["uncertain"])

    return check


def subjects(messages: list[Any]) -> list[str]:
    return [str(message["Subject"]) for message in messages]


def test_refusals_and_a_drop_mid_data_end_in_one_email_once_the_server_recovers(
    bot: RunningBot, mail: FlakySmtp, database: Database
) -> None:
    storm = (Fault.REFUSE_RCPT_421, Fault.REFUSE_DATA_451, Fault.DROP_MID_DATA)
    mail.fail_next(*storm, Fault.REFUSE_DATA_550)
    po_id = approve_a_po(bot)
    wait_until(settled(database), 20, "the PO's email settled")
    assert mail.faults_served == [*storm, Fault.REFUSE_DATA_550]
    assert subjects(mail.taken()) == ["Purchase order PO-0001"]  # once, after the recovery
    assert outbox(database, "po.to_supplier")[0][0] == "sent"
    po = bot.bot.backorders.po(po_id)
    assert po is not None and po.status == "sent" and po.in_doubt is None


def test_a_recipient_refused_for_good_is_set_aside_not_retried(
    bot: RunningBot, mail: FlakySmtp, database: Database
) -> None:
    mail.fail_next(Fault.REFUSE_RCPT_550)
    po_id = approve_a_po(bot)
    wait_until(lambda: outbox(database, "po.to_supplier")[0][0] == "dead", 20, "set aside")
    assert mail.faults_served == [Fault.REFUSE_RCPT_550]  # asked once: 550 is for good
    assert mail.taken() == []
    po = bot.bot.backorders.po(po_id)
    assert po is not None and po.status == "approved"  # not sent: the team still has it


def test_a_drop_after_the_final_dot_is_not_emailed_again_but_put_to_a_person(
    bot: RunningBot, mail: FlakySmtp, database: Database
) -> None:
    """The server may have taken it: docs/operations.md, "At most once for a supplier's email"
    says the row becomes `uncertain` and the card asks a person, rather than a second copy."""
    mail.fail_next(Fault.DROP_AFTER_DOT)
    po_id = approve_a_po(bot)
    wait_until(settled(database), 20, "the PO's email settled")
    assert subjects(mail.taken()) == ["Purchase order PO-0001"]  # the supplier has one copy
    assert outbox(database, "po.to_supplier")[0][0] == "uncertain"
    assert [status for status, _ in outbox(database, PO_EMAIL_UNCERTAIN)] != []
    po = bot.bot.backorders.po(po_id)
    assert po is not None and po.status == "approved" and po.in_doubt is not None


def test_a_dripping_server_holds_no_slack_message_and_trips_the_send_deadline(
    bot: RunningBot, mail: FlakySmtp, slack: LocalSlack, database: Database
) -> None:
    mail.fail_next(Fault.DRIP)
    po_id = approve_a_po(bot)
    wait_until(mail.dripping.is_set, 20, "the mail worker connected to the dripping server")
    with SqlUnitOfWork(database) as uow:
        uow.outbox.add(Notice(ORDERS_READY, "C0PURCHASE", {"text": "while it drips"}), utc_now())
        uow.commit()
    assert bot.bot.worker is not None
    bot.bot.worker.wake()
    slack.wait_for(lambda calls: any(c.params.get("text") == "while it drips" for c in calls))
    assert mail.dripping.is_set()  # Slack went while the mail lane was held by the drip

    wait_until(settled(database), 30, "the PO's email settled after the drip")
    assert mail.faults_served == [Fault.DRIP]
    assert subjects(mail.taken()) == ["Purchase order PO-0001"]
    [(_, delayed)] = outbox(database, PO_EMAIL_DELAYED)  # the team heard why, once
    assert f"more than {DEADLINE_S:g} s" in delayed["error"]
    po = bot.bot.backorders.po(po_id)
    assert po is not None and po.status == "sent"


def test_a_customer_email_dropped_after_the_final_dot_is_not_sent_twice(
    database: Database, mail: FlakySmtp
) -> None:
    """docs/operations.md: once handed to the server, a customer's notice counts as sent
    (customers get at most one copy)."""
    clock, slack = Clock(), RecordingSlack()
    desk = shop(database, clock, backordered="auto")
    clock.now = T + timedelta(minutes=11)
    desk.send_customer_notices()
    mail.fail_next(Fault.DROP_AFTER_DOT)
    deliver(desk, mail.url, slack)  # until nothing is left to try
    assert [str(m["To"]) for m in mail.taken()] == ["ann@example.com"]
    assert mail.faults_served == [Fault.DROP_AFTER_DOT]
