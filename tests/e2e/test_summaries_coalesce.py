"""Over real HTTP with `summaries.batch_every: "0"` (issue 14): a flash sale's orders become one
summary in the channel, not one message an order, and nothing about the summary is worded
while the store waits for its answer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from bot.app import build_bot
from bot.config import parse_config
from bot.console.local_slack import Call, LocalSlack
from bot.delivery import report_notices
from bot.facade import utc_now
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from storage.db import Database
from storage.summaries import SqlSummaryQueue
from tests.e2e.conftest import CONFIG, SECRETS, RunningBot
from tests.support.builders import T0, catalog, minutes
from tests.support.http import generic_order, request, signed_generic
from tests.support.slack import SIGNING_SECRET

AT_ONCE = CONFIG | {"summaries": {"batch_every": "0"}}
BURST = 40


@contextmanager
def bot_posting_at_once(database: Database, slack: LocalSlack) -> Iterator[RunningBot]:
    """The bot answering webhooks; its outbox worker runs only when a test says (`send`)."""
    env = SECRETS | {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
    }
    bot = build_bot(
        settings_from_env(env),
        parse_config(AT_ONCE),
        lambda: T0 + minutes(1),
        database,
        outbox_pace_s=0.05,
    )
    assert bot.worker is not None
    bot.worker.clock = utc_now  # pacing in real time
    bot.backorders.import_catalog(catalog(("TUBE", 3), ("CHAIN", 0)))
    server = HttpServer(bot.http, "127.0.0.1", 0, threads=8)
    server.start_in_thread()
    try:
        yield RunningBot(bot, f"http://127.0.0.1:{server.port}")
    finally:
        server.close()


def order_in(bot: RunningBot, number: str) -> str:
    """A store order for one chain (none in stock: it waits); the bot's answer's outcome."""
    body = generic_order(number, ("CHAIN", 1))
    reply = request(f"{bot.url}/webhooks/orders", body, signed_generic(body))
    assert reply.status == 200, reply.body
    return str(reply.json()["outcome"])


def waiting_summaries(database: Database) -> int:
    """Summaries queued in the outbox and not sent yet."""
    with database.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM outbox "
                    "WHERE kind = 'backorders.summary' AND status = 'pending'"
                )
            ).scalar_one()
        )


def send(bot: RunningBot, slack: LocalSlack, posts: int, timeout: float = 15) -> list[Call]:
    """Run the Slack outbox worker until the channel has `posts` messages and nothing waits."""
    worker = bot.bot.worker
    assert worker is not None
    deadline = time.monotonic() + timeout
    while len(slack.messages("C0PURCHASE")) < posts or bot.bot.outbox.backlog()[0]:
        assert time.monotonic() < deadline, slack.messages("C0PURCHASE")
        if not worker.run_once():
            time.sleep(0.02)
    return slack.messages("C0PURCHASE")


def test_a_burst_of_orders_is_one_summary_listing_them_all_then_the_next_order_is_another(
    database: Database, local_slack: LocalSlack
) -> None:
    numbers = [str(1001 + n) for n in range(BURST)]
    with bot_posting_at_once(database, local_slack) as bot:
        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(lambda number: order_in(bot, number), numbers))
        assert outcomes == ["applied"] * BURST
        assert waiting_summaries(database) == 1

        [summary] = send(bot, local_slack, posts=1)
        shown = str(summary.params["blocks"])
        assert f"{BURST} new backorders ({BURST} units)" in shown
        assert all(f"#{number} " in shown for number in numbers)
        assert waiting_summaries(database) == 0

        order_in(bot, "2001")
        assert waiting_summaries(database) == 1
        first, second = send(bot, local_slack, posts=2)
        assert first is summary
        shown = str(second.params["blocks"])
        assert "1 new backorder (1 unit)" in shown and "#2001 " in shown
        assert "#1001 " not in shown


def test_an_order_from_stock_makes_no_summary(database: Database, local_slack: LocalSlack) -> None:
    with bot_posting_at_once(database, local_slack) as bot:
        body = generic_order("3001", ("TUBE", 1))
        assert request(f"{bot.url}/webhooks/orders", body, signed_generic(body)).status == 200
        assert waiting_summaries(database) == 0


def test_a_summary_that_cannot_be_worded_or_read_never_fails_an_order(
    database: Database, local_slack: LocalSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("the summary cannot be built")

    monkeypatch.setattr(report_notices, "summary_message", broken)
    monkeypatch.setattr(SqlSummaryQueue, "take", broken)
    with bot_posting_at_once(database, local_slack) as bot:
        assert [order_in(bot, "1001"), order_in(bot, "1002")] == ["applied", "applied"]
        assert order_in(bot, "1001") == "duplicate"  # stored, and known as stored
        assert waiting_summaries(database) == 1  # the summary is due, to be worded later
        assert bot.bot.backorders.order("1002")[0].waiting_units == 1
