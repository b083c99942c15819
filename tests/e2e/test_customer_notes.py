"""Over real HTTP, on SQLite and PostgreSQL: a shop that tells WooCommerce customers through
WooCommerce's own customer note (`customers.tell_by: {woocommerce: customer_note}`). Without
SMTP_URL, a WooCommerce order that waits gets, after notice_delay and Send all, exactly one
customer note and the notice is sent; with SMTP, a Shopify order in the same bot is emailed as
before and the WooCommerce customer gets the note only, never an email as well. Without SMTP_URL
and email only, no notice is prepared (nothing would carry it): one log line, and /healthz
says customer emails cannot go."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_bot
from bot.config import parse_config
from bot.console.local_slack import LocalSlack
from bot.facade import utc_now
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from storage.db import Database
from storage.models import CustomerNoticeRow, OrderRow, OutboxRow
from tests.e2e.conftest import SECRETS, RunningBot
from tests.e2e.test_store_write_back import WOO_ORDER, orders_arrive, until
from tests.support.builders import T0, catalog, minutes
from tests.support.http import request
from tests.support.slack import SIGNING_SECRET
from tests.support.smtp import Inbox, smtp_server
from tests.support.store_apis import shopify_env, woocommerce_env
from tests.support.store_write_apis import WritableStore, writable_shopify, writable_woocommerce

FROM = "Velo Shop <shop@velo.example>"
NO_SMTP = "SMTP_URL is not set"


class Clock:
    def __init__(self) -> None:
        self.now = T0 + minutes(1)

    def __call__(self) -> datetime:
        return self.now


class Shop:
    def __init__(self, bot: RunningBot, woo: WritableStore, inbox: Inbox | None) -> None:
        self.bot, self.woo, self.inbox = bot, woo, inbox


@contextmanager
def shop(
    database: Database, customers: dict[str, Any], smtp: bool, clock: Clock | None = None
) -> Iterator[Shop]:
    """The bot with local Slack, both stores' fakes, and an SMTP server when `smtp`."""
    with ExitStack() as stack:
        slack = stack.enter_context(LocalSlack())
        shopify = stack.enter_context(writable_shopify())
        woo = stack.enter_context(writable_woocommerce())
        env = SECRETS | shopify_env(shopify) | woocommerce_env(woo, "cs_test_secret")
        env |= {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
        }
        inbox = None
        if smtp:
            inbox, env["SMTP_URL"] = stack.enter_context(smtp_server())
        config = {"slack": {"channel": "C0PURCHASE", "approvers": ["U012ABCDEF"]}}
        bot = build_bot(
            settings_from_env(env),
            parse_config(config | {"customers": customers}),
            clock or Clock(),
            database,
            outbox_pace_s=0.05,
        )
        for worker in getattr(bot, "workers", [bot.worker]):
            worker.clock = utc_now
            worker.backoff_base_s = 0.2
        bot.backorders.import_catalog(catalog(("IPOD2009BLACK", 0), ("Bar3", 0, 6)))
        server = HttpServer(bot.http, "127.0.0.1", 0, threads=8)
        server.start_in_thread()
        stack.callback(server.close)
        bot.start_background()
        stack.callback(bot.stop_background)
        yield Shop(RunningBot(bot, f"http://127.0.0.1:{server.port}"), woo, inbox)


def notices(database: Database) -> dict[str, str]:
    """Each notice's status, by the store its order came from."""
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(OrderRow.source, CustomerNoticeRow.status).join(
                OrderRow, OrderRow.id == CustomerNoticeRow.order_id
            )
        ).all()
    return {str(source): str(status) for source, status in rows}


def customer_emails_queued(database: Database) -> int:
    with database.engine.connect() as conn:
        rows = conn.execute(select(OutboxRow.id).where(OutboxRow.kind == "customer.email")).all()
    return len(rows)


def health(shop: Shop) -> dict[str, Any]:
    return dict(json.loads(request(f"{shop.bot.url}/healthz").body))


def test_without_smtp_a_woocommerce_customer_hears_once_by_customer_note_after_send_all(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    customers = {"notice_delay": "10m", "from": FROM, "tell_by": {"woocommerce": "customer_note"}}
    clock = Clock()
    with caplog.at_level(logging.WARNING), shop(database, customers, False, clock) as velo:
        orders_arrive(velo.bot)
        desk = velo.bot.bot.backorders
        assert desk.send_customer_notices() == 0  # within notice_delay
        clock.now += minutes(11)
        assert desk.send_customer_notices() == 1  # the WooCommerce order's; Shopify's cannot go
        assert notices(database) == {"woocommerce": "awaiting_approval"}
        [batch_id] = {row.batch_id for row in _notice_rows(database)}
        assert desk.decide_notice_batch(batch_id, True, "U012ABCDEF").size == 1
        until(lambda: notices(database) == {"woocommerce": "sent"})
        assert desk.send_customer_notices() == 0
        gap = health(velo)["customer_emails"]

    [(what, order, note)] = velo.woo.writes
    assert (what, order) == ("note", WOO_ORDER)
    assert note.startswith("Part of your order is waiting for our supplier:")
    assert velo.woo.notes[WOO_ORDER][0]["customer_note"] is True
    assert customer_emails_queued(database) == 0
    assert NO_SMTP in gap and "woocommerce" in gap
    assert sum(NO_SMTP in record.getMessage() for record in caplog.records) == 1


def test_with_smtp_shopify_is_emailed_and_woocommerce_hears_by_its_note_only(
    database: Database,
) -> None:
    customers = {
        "notice_delay": "0",
        "notices": {"backordered": "auto"},
        "from": FROM,
        "tell_by": {"woocommerce": "customer_note", "shopify": "email"},
    }
    with shop(database, customers, smtp=True) as velo:
        assert velo.inbox is not None
        orders_arrive(velo.bot)
        assert velo.bot.bot.backorders.send_customer_notices() == 2
        [email] = velo.inbox.wait_for(1)
        until(lambda: set(notices(database).values()) == {"sent"})
        orders_arrive(velo.bot)  # the stores send the same orders again
        assert velo.bot.bot.backorders.send_customer_notices() == 0
        assert "customer_emails" not in health(velo)

    assert len(velo.inbox.messages) == 1  # Shopify's customer; WooCommerce's heard no email
    assert "Part of your order" in str(email["Subject"])
    assert [what for what, _, _ in velo.woo.writes] == ["note"]
    assert customer_emails_queued(database) == 1


def test_without_smtp_and_email_only_no_notice_is_prepared_and_healthz_says_so(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    customers = {"notice_delay": "0", "notices": {"backordered": "auto"}, "from": FROM}
    with caplog.at_level(logging.WARNING), shop(database, customers, smtp=False) as velo:
        orders_arrive(velo.bot)
        assert velo.bot.bot.backorders.send_customer_notices() == 0
        assert velo.bot.bot.backorders.send_customer_notices() == 0
        found = health(velo)

    assert notices(database) == {} and customer_emails_queued(database) == 0
    assert velo.woo.writes == []
    assert NO_SMTP in found["customer_emails"] and "nobody hears" in found["customer_emails"]
    assert sum(NO_SMTP in record.getMessage() for record in caplog.records) == 1


def _notice_rows(database: Database) -> list[Any]:
    with database.engine.connect() as conn:
        return list(conn.execute(select(CustomerNoticeRow)).all())
