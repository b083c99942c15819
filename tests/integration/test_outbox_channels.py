"""Each outbox worker sees only its own channels' messages, on SQLite and PostgreSQL: Slack's
worker never picks up an email or a store note, the mail worker never a Slack post."""

from __future__ import annotations

from bot.delivery.lanes import MAIL_AND_STORES, SLACK
from domain.notifications import Notice
from storage.db import Database
from storage.outbox import OutboxStore
from storage.unit_of_work import SqlUnitOfWork
from tests.support.builders import T0, minutes

CHANNELS = ["C0PURCHASE", "customers", "suppliers", "email", "store:shopify", "store_x", "D0DM"]


def test_each_worker_sees_the_head_of_only_its_own_channels(database: Database) -> None:
    with SqlUnitOfWork(database) as uow:
        for n, channel in enumerate(CHANNELS * 2):
            uow.outbox.add(Notice("slack.post", channel, {"text": f"{n}"}, f"k{n}"), T0)
        uow.commit()
    store = OutboxStore(database)
    slack = [m.channel for m in store.due(T0 + minutes(1), SLACK)]
    mail = [m.channel for m in store.due(T0 + minutes(1), MAIL_AND_STORES)]
    assert slack == ["C0PURCHASE", "store_x", "D0DM"]  # one head each, oldest first
    assert mail == ["customers", "suppliers", "email", "store:shopify"]
