"""A notice that cannot be worded is set aside: the team's channel does not stop behind it."""

from __future__ import annotations

from bot.console.local_slack import LocalSlack
from domain.notifications import ORDERS_READY, PO_NOTE, Notice
from storage.unit_of_work import SqlUnitOfWork
from tests.e2e.conftest import RunningBot
from tests.e2e.test_purchase_orders import eventually

CHANNEL = "C0PURCHASE"  # slack.channel in the e2e config


def test_a_notice_that_cannot_be_worded_does_not_hold_up_the_channel(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    desk = slack_bot.bot.backorders
    with SqlUnitOfWork(desk.database) as uow:
        uow.outbox.add(Notice(PO_NOTE, CHANNEL, {"po_id": 1}), desk.clock())  # no text
        uow.outbox.add(
            Notice(ORDERS_READY, CHANNEL, {"text": "Order #1001 can ship."}), desk.clock()
        )
        uow.commit()
    slack_bot.bot.worker.wake()  # type: ignore[union-attr]
    eventually(
        lambda: any(m.params["text"] == "Order #1001 can ship." for m in local_slack.messages())
    )
    # Slack has it a moment before the worker records it as sent: wait for the record too.
    eventually(lambda: slack_bot.bot.outbox.backlog()[0] == 0)
