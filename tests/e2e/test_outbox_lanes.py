"""Email and Slack go on separate outbox workers, end to end on SQLite and PostgreSQL: a mail
server that holds a customer's email does not hold the team's Slack messages, and customer
emails go at the mail server's pace, not Slack's one message a second."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from bot.app import build_bot
from bot.config import parse_config
from bot.console.local_slack import LocalSlack
from bot.facade import utc_now
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from storage.db import Database
from tests.e2e.conftest import SECRETS, RunningBot
from tests.e2e.test_purchase_orders import deliver
from tests.support.builders import T0, catalog, minutes
from tests.support.http import generic_order, request, signed_generic
from tests.support.slack import SIGNING_SECRET
from tests.support.smtp import Inbox, smtp_server

CONFIG = {
    "slack": {"channel": "C0PURCHASE"},
    "customers": {
        "notice_delay": "0",
        "notices": {"backordered": "auto"},
        "from": "Velo Shop <shop@velo.example>",
    },
}
NOW = T0 + minutes(1)  # the bot's clock: it never moves in these tests


@contextmanager
def shop(
    database: Database, slack: LocalSlack, real_time: bool
) -> Iterator[tuple[RunningBot, Inbox]]:
    """The bot on a loopback port (Slack and SMTP local, Slack paced a second a message), no
    chains in stock; with `real_time` its workers run on their threads in real time."""
    with smtp_server() as (inbox, smtp_url):
        env = SECRETS | {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "SMTP_URL": smtp_url,
        }
        bot = build_bot(settings_from_env(env), parse_config(CONFIG), lambda: NOW, database)
        bot.backorders.import_catalog(catalog(("CHAIN", 0)))
        server = HttpServer(bot.http, "127.0.0.1", 0, threads=8)
        server.start_in_thread()
        if real_time:
            for worker in bot.workers:
                worker.clock = utc_now
            bot.start_background()
        try:
            yield RunningBot(bot, f"http://127.0.0.1:{server.port}"), inbox
        finally:
            inbox.open_gate()
            bot.stop_background()
            server.close()


def order_in(bot: RunningBot, number: str, email: str | None = None) -> None:
    """A signed store webhook: `number` waits for a chain."""
    fields = {"customer_email": email} if email else {}
    body = generic_order(number, ("CHAIN", 1), **fields)
    assert request(f"{bot.url}/webhooks/orders", body, signed_generic(body)).status == 200


def email_row(database: Database) -> tuple[str, int]:
    """The customer email's outbox row: its status and how many tries failed."""
    with database.engine.connect() as conn:
        row = conn.execute(
            text("SELECT status, attempts FROM outbox WHERE channel = 'customers'")
        ).one()
    return str(row.status), int(row.attempts)


def test_a_slack_message_goes_while_the_mail_server_holds_a_customer_email(
    database: Database, local_slack: LocalSlack
) -> None:
    with shop(database, local_slack, real_time=True) as (running, inbox):
        bot = running.bot
        inbox.close_gate()
        order_in(running, "1001", "ann@example.com")
        assert bot.backorders.send_customer_notices() == 1
        inbox.wait_until_held()  # the email is in the mail server's hands, unanswered
        order_in(running, "1002")  # queued after the email: the team hears of it
        bot.backorders.flush_summaries()
        local_slack.wait_for(lambda calls: any("#1002" in str(c.params) for c in calls), 20)
        # Slack got it while the email was still held, not after the send timed out
        assert email_row(database) == ("pending", 0) and inbox.messages == []
        inbox.open_gate()
        [mail] = inbox.wait_for(1)
        deliver(running)
        assert mail["To"] == "ann@example.com"
        assert len(inbox.messages) == 1 and email_row(database) == ("sent", 0)


def test_twenty_customer_emails_go_without_waiting_a_pacing_second_each(
    database: Database, local_slack: LocalSlack
) -> None:
    with shop(database, local_slack, real_time=False) as (running, inbox):
        bot = running.bot
        for n in range(20):
            order_in(running, f"{1001 + n}", f"customer{n}@example.com")
        assert bot.backorders.send_customer_notices() == 20
        assert bot.mail_worker is not None
        rounds = [bot.mail_worker.run_once() for _ in range(25)]
        # The clock never moved past NOW: had email been paced like Slack (a second per
        # message per channel), one email would have gone and 19 would wait.
        assert bot.mail_worker.clock() == NOW
        assert sum(rounds) == 20
        assert sorted(m["To"] for m in inbox.wait_for(20)) == sorted(
            f"customer{n}@example.com" for n in range(20)
        )
