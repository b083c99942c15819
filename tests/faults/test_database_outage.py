"""PostgreSQL stopped (`pg_ctl stop -m fast`) in the middle of a burst of store orders and
started again, the bot running all along: orders during the outage are answered 5xx (the store
retries), never 200 for something not stored; /healthz says the database is down, then ok; the
bot recovers without a restart and the resent orders are stored once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.console.local_slack import LocalSlack
from storage.db import Database, connect
from storage.migrate import upgrade
from tests.support.bot_process import (
    WEBHOOK_SECRETS,
    BotProcess,
    Store,
    StoreOrder,
    outcomes,
    wait_until,
    write_config,
)
from tests.support.http import Reply
from tests.support.order_burst import (
    CONFIG,
    all_told,
    assert_each_order_stored_once,
    assert_summaries_posted_once,
    assert_units_reserved_once,
    burst_orders,
    stock,
)
from tests.support.private_postgres import PrivatePostgres, private_postgres

STOP_AFTER = 25  # answers
IN_FLIGHT = 30  # orders sent as the database stops; the rest once it is down


@pytest.fixture
def server() -> Iterator[PrivatePostgres]:
    with private_postgres() as started:
        yield started


@pytest.fixture
def database(server: PrivatePostgres) -> Iterator[Database]:
    """The private server's database, migrated and stocked (not the suite's own servers)."""
    migrated = connect(server.url)
    upgrade(migrated)
    stock(migrated)
    yield migrated
    migrated.dispose()


def database_health(bot: BotProcess) -> tuple[int, str]:
    status, body = bot.health()
    return status, str(body.get("database"))


def burst_through_an_outage(
    bot: BotProcess, store: Store, orders: list[StoreOrder], server: PrivatePostgres
) -> list[tuple[int, str]]:
    """Six threads deliver; after STOP_AFTER answers the database stops, with deliveries in
    flight, and the last ones go while it is down. /healthz as it was while the database was
    down is returned (polled until it says so)."""
    answered, stopped = threading.Semaphore(0), threading.Event()
    seen: list[tuple[int, str]] = []

    def counted(numbered: tuple[int, StoreOrder]) -> None:
        if numbered[0] >= STOP_AFTER + IN_FLIGHT:  # a fast machine would be done before the stop
            stopped.wait(60)
        store.deliver(bot.url, numbered[1])
        answered.release()

    def stopper() -> None:
        for _ in range(STOP_AFTER):
            answered.acquire()
        server.stop()
        stopped.set()

    stopping = threading.Thread(target=stopper)
    stopping.start()
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(counted, enumerate(orders)))
    stopping.join(60)
    assert stopped.is_set(), "the database did not stop"

    def reports_down() -> bool:
        seen.append(database_health(bot))
        return seen[-1][0] == 503

    wait_until(reports_down, 20, "/healthz saying the database is down")
    return seen


def assert_never_a_200_without_the_order(store: Store, orders: list[StoreOrder]) -> None:
    """Every delivery was answered: 200, or 5xx while the database was away (the store
    retries); a 4xx would make the store give the order up. Stored-once is checked later."""
    answers = [(o.number, r) for o in orders for r in store.answers[o.number]]
    wrong = [(n, _shown(r)) for n, r in answers if r is None or 200 < r.status < 500]
    assert wrong == []
    assert any(r is not None and r.status >= 500 for _, r in answers)


def _shown(reply: Reply | None) -> str:
    return "no answer" if reply is None else f"{reply.status} {reply.body[:200]!r}"


@pytest.mark.postgres
def test_postgres_stopped_mid_burst_then_started_loses_and_doubles_no_order(
    server: PrivatePostgres, database: Database, tmp_path: Path
) -> None:
    orders = burst_orders("P")
    store = Store()
    with LocalSlack() as slack:
        env = WEBHOOK_SECRETS | {
            "DATABASE_URL": server.url,
            "BOT_CONFIG": str(write_config(tmp_path, CONFIG)),
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "test-signing-secret",
            "SLACK_API_URL": slack.api_url,
        }
        bot = BotProcess(env, tmp_path / "bot.log").start()
        try:
            assert database_health(bot) == (200, "ok")
            down = burst_through_an_outage(bot, store, orders, server)
            assert down[-1] == (503, "unreachable: OperationalError")
            first = Counter("ok" if store.stored(o.number) else "not" for o in orders)
            assert first["not"] > 0, f"the outage came after the burst: {first}"
            assert_never_a_200_without_the_order(store, orders)

            server.start()
            wait_until(lambda: database_health(bot) == (200, "ok"), 30, "/healthz ok again")
            resent = [o for o in orders if not store.stored(o.number)]
            repeats = [o for o in orders if store.stored(o.number)][::4]
            again = outcomes(store.burst(bot.url, resent + repeats))
            assert again["applied"] + again.get("duplicate", 0) == len(resent + repeats), again
            wait_until(lambda: all_told(database), 60, "every summary taken and posted")
        finally:
            bot.kill()  # what it did is in the database; a clean stop would add 5 s
        assert_each_order_stored_once(database, store, "P")
        assert_units_reserved_once(database)
        assert_summaries_posted_once(database, slack)
