"""/healthz over HTTP, on SQLite and PostgreSQL: how long each kind of outbox message has
waited, and "degraded" once one has waited past its threshold (a stalled worker, a trickling
mail server), while the bot still answers 200."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from bot.app import build_bot
from bot.config import parse_config
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from domain.notifications import Notice
from storage.db import Database
from storage.unit_of_work import SqlUnitOfWork
from tests.e2e.conftest import CONFIG, SECRETS, RunningBot
from tests.support.builders import T0, minutes
from tests.support.http import request


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def bot(database: Database, clock: Clock) -> Iterator[RunningBot]:
    """The bot serving HTTP with no outbox worker running: what is queued stays pending."""
    built = build_bot(settings_from_env(SECRETS), parse_config(CONFIG), clock, database)
    server = HttpServer(built.http, "127.0.0.1", 0, threads=2)
    server.start_in_thread()
    yield RunningBot(built, f"http://127.0.0.1:{server.port}")
    server.close()


def queue(database: Database, channel: str, key: str) -> None:
    with SqlUnitOfWork(database) as uow:
        uow.outbox.add(Notice("slack.post", channel, {"text": key}, key), T0)
        uow.commit()


def test_healthz_says_how_long_each_kind_of_message_has_waited(
    bot: RunningBot, clock: Clock, database: Database
) -> None:
    queue(database, "C0PURCHASE", "k1")
    queue(database, "customers", "k2")
    clock.now = T0 + minutes(5)
    reply = request(f"{bot.url}/healthz")
    assert reply.status == 200
    body = reply.json()
    assert body["status"] == "ok"
    assert body["outbox_waiting_s"] == {
        "slack": 300,
        "email": None,
        "customers": 300,
        "stores": None,
    }


def test_a_slack_message_waiting_past_20_minutes_turns_healthz_degraded(
    bot: RunningBot, clock: Clock, database: Database
) -> None:
    queue(database, "C0PURCHASE", "k1")
    queue(database, "customers", "k2")  # a big batch may take longer: 60 minutes for customers
    clock.now = T0 + minutes(21)
    reply = request(f"{bot.url}/healthz")
    assert reply.status == 200  # still serving: the store webhooks keep coming
    body = reply.json()
    assert body["status"] == "degraded"
    assert body["outbox_stale"] == ["slack"]
    assert body["outbox_waiting_s"]["slack"] == 21 * 60
