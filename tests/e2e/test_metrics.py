"""/metrics over real HTTP: the backlog gauges cost the database one read per TTL, and a
METRICS_TOKEN keeps strangers out before anything is read."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from bot.app import build_bot
from bot.config import parse_config
from bot.metrics import BACKLOG_TTL_S
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from storage.db import Database
from tests.e2e.conftest import CONFIG, SECRETS, RunningBot
from tests.support.builders import T0, delivery, minutes, order
from tests.support.http import Reply, generic_order, request, signed_generic

TOKEN = "metrics-token-7f3a9c"


@contextmanager
def counting_statements(database: Database) -> Iterator[list[str]]:
    """Every SQL statement the bot sends while the block runs."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", note)


def order_waiting(bot: RunningBot, number: str, units: int) -> None:
    bot.bot.backorders.ingest(delivery(order(number, ("TUBE", units))))


def open_units(reply: Reply) -> str:
    [line] = [x for x in reply.body.decode().splitlines() if x.startswith("backorder_open_units{")]
    return line


def test_rapid_scrapes_are_answered_without_rerunning_the_backlog_query(
    stocked_bot: RunningBot,
) -> None:
    now = [1000.0]
    assert stocked_bot.bot.metrics.backlog is not None
    stocked_bot.bot.metrics.backlog.clock = lambda: now[0]
    order_waiting(stocked_bot, "G-1", 5)
    with counting_statements(stocked_bot.bot.database) as first:
        assert open_units(request(f"{stocked_bot.url}/metrics")).endswith(" 2.0")
    assert first, "the first scrape reads the backlog"
    order_waiting(stocked_bot, "G-2", 4)
    now[0] += BACKLOG_TTL_S - 1
    with counting_statements(stocked_bot.bot.database) as cached:
        replies = [request(f"{stocked_bot.url}/metrics") for _ in range(20)]
    assert [r.status for r in replies] == [200] * 20
    assert {open_units(r) for r in replies} == {'backorder_open_units{supplier="Acme"} 2.0'}
    assert cached == []
    now[0] += 1
    with counting_statements(stocked_bot.bot.database) as expired:
        assert open_units(request(f"{stocked_bot.url}/metrics")).endswith(" 6.0")
    assert len(expired) == len(first)


def test_eight_scrapers_at_once_read_the_backlog_once(stocked_bot: RunningBot) -> None:
    order_waiting(stocked_bot, "G-1", 5)
    stocked_bot.bot.metrics.backlog.clock = lambda: 1000.0  # type: ignore[union-attr]
    with counting_statements(stocked_bot.bot.database) as once:
        request(f"{stocked_bot.url}/metrics")
    stocked_bot.bot.metrics.backlog.clock = lambda: 5000.0  # type: ignore[union-attr]
    with (
        counting_statements(stocked_bot.bot.database) as seen,
        ThreadPoolExecutor(8) as pool,
    ):
        replies = list(pool.map(lambda _: request(f"{stocked_bot.url}/metrics"), range(8)))
    assert {open_units(r) for r in replies} == {'backorder_open_units{supplier="Acme"} 2.0'}
    assert len(seen) == len(once)


@pytest.fixture
def guarded_bot(database: Database) -> Iterator[RunningBot]:
    """The bot with METRICS_TOKEN set."""
    settings = settings_from_env(SECRETS | {"METRICS_TOKEN": TOKEN})
    bot = build_bot(settings, parse_config(CONFIG), lambda: T0 + minutes(1), database)
    server = HttpServer(bot.http, "127.0.0.1", 0, threads=4)
    server.start_in_thread()
    yield RunningBot(bot, f"http://127.0.0.1:{server.port}")
    server.close()


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", TOKEN],
)
def test_without_the_metrics_token_nothing_is_read_and_the_answer_is_401(
    guarded_bot: RunningBot, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    with counting_statements(guarded_bot.bot.database) as seen:
        reply = request(f"{guarded_bot.url}/metrics", headers=headers)
        posted = request(f"{guarded_bot.url}/metrics", b"x", headers)
    assert (reply.status, posted.status) == (401, 401)
    challenge = {name.lower(): value for name, value in reply.headers.items()}["www-authenticate"]
    assert challenge.startswith("Bearer")
    assert b"backorder" not in reply.body
    assert seen == []


def test_with_the_metrics_token_prometheus_gets_the_metrics(guarded_bot: RunningBot) -> None:
    reply = request(f"{guarded_bot.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status == 200
    assert "backorder_outbox_pending 0.0" in reply.body.decode()
    lower = request(f"{guarded_bot.url}/metrics", headers={"Authorization": f"bearer {TOKEN}"})
    assert lower.status == 200  # the scheme is case-insensitive (RFC 7235)


def test_the_metrics_token_guards_only_metrics(guarded_bot: RunningBot) -> None:
    assert request(f"{guarded_bot.url}/healthz").status == 200
    body = generic_order("G-1", ("TUBE", 1))
    reply = request(f"{guarded_bot.url}/webhooks/orders", body, signed_generic(body))
    assert reply.status == 200
