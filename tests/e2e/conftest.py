"""The real bot, served by waitress on a free loopback port, on each kind of database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from bot.app import Bot, build_bot
from bot.config import parse_config
from bot.console.local_slack import LocalSlack
from bot.facade import utc_now
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from storage.db import Database
from tests.support.builders import T0, catalog, minutes
from tests.support.http import SECRET
from tests.support.slack import SIGNING_SECRET

CONFIG = {"slack": {"channel": "C0PURCHASE", "approvers": ["U012ABCDEF"]}}
SECRETS = {
    "SHOPIFY_WEBHOOK_SECRET": SECRET,
    "WOOCOMMERCE_WEBHOOK_SECRET": SECRET,
    "ORDERS_WEBHOOK_SECRET": SECRET,
    "DATABASE_URL": "unused://",
}


@dataclass
class RunningBot:
    bot: Bot
    url: str

    def __getattr__(self, name: str) -> object:
        return getattr(self.bot.backorders, name)


@pytest.fixture
def running_bot(database: Database) -> Iterator[RunningBot]:
    bot = build_bot(
        settings_from_env(SECRETS), parse_config(CONFIG), lambda: T0 + minutes(1), database
    )
    server = HttpServer(bot.http, "127.0.0.1", 0, threads=8)
    server.start_in_thread()
    yield RunningBot(bot, f"http://127.0.0.1:{server.port}")
    server.close()


@pytest.fixture
def local_slack() -> Iterator[LocalSlack]:
    with LocalSlack() as slack:
        yield slack


@contextmanager
def serving_slack_bot(database: Database, slack: LocalSlack, **env: str) -> Iterator[RunningBot]:
    """The bot in Slack HTTP mode: Web API calls go to the local Slack; outbox paced fast."""
    env = (
        SECRETS
        | {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
        }
        | env
    )
    bot = build_bot(
        settings_from_env(env),
        parse_config(CONFIG),
        lambda: T0 + minutes(1),
        database,
        outbox_pace_s=0.05,
    )
    for worker in bot.workers:
        worker.clock = utc_now  # pacing and retries in real time
    server = HttpServer(bot.http, "127.0.0.1", 0, threads=8)
    server.start_in_thread()
    bot.start_background()
    try:
        yield RunningBot(bot, f"http://127.0.0.1:{server.port}")
    finally:
        bot.stop_background()
        server.close()


@pytest.fixture
def slack_bot(database: Database, local_slack: LocalSlack) -> Iterator[RunningBot]:
    with serving_slack_bot(database, local_slack) as bot:
        bot.bot.backorders.import_catalog(catalog(("TUBE", 3), ("CHAIN", 0, 6), ("LIGHT", 0)))
        yield bot


@pytest.fixture
def stocked_bot(running_bot: RunningBot) -> RunningBot:
    """The bot with the fixtures' SKUs: no IPOD2009BLACK or Bar3 in stock, some 2008 iPods."""
    running_bot.bot.backorders.import_catalog(
        catalog(
            ("IPOD2009BLACK", 0),
            ("IPOD2008GREEN", 1),
            ("IPOD2008RED", 0),
            ("IPOD2008BLACK", 2),
            ("Bar3", 0, 6),
            ("TUBE", 3),
        )
    )
    return running_bot
