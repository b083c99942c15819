"""The real bot, served by waitress on a free loopback port, on each kind of database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.app import Bot, build_bot
from bot.config import parse_config
from bot.server import HttpServer
from bot.settings import settings_from_env
from storage.db import Database
from tests.support.builders import T0, catalog, minutes
from tests.support.http import SECRET

CONFIG = {"slack": {"channel": "C0PURCHASE", "approvers": ["U012ABCDEF"]}}


@dataclass
class RunningBot:
    bot: Bot
    url: str

    def __getattr__(self, name: str) -> object:
        return getattr(self.bot.backorders, name)


@pytest.fixture
def running_bot(database: Database) -> Iterator[RunningBot]:
    env = {
        "SHOPIFY_WEBHOOK_SECRET": SECRET,
        "WOOCOMMERCE_WEBHOOK_SECRET": SECRET,
        "ORDERS_WEBHOOK_SECRET": SECRET,
        "DATABASE_URL": "unused://",
    }
    bot = build_bot(settings_from_env(env), parse_config(CONFIG), lambda: T0 + minutes(1), database)
    server = HttpServer(bot.http, "127.0.0.1", 0, threads=8)
    server.start_in_thread()
    yield RunningBot(bot, f"http://127.0.0.1:{server.port}")
    server.close()


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
