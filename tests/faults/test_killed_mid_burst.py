"""The bot killed (SIGKILL) in the middle of a burst of store orders, then started again on the
same database while the store resends what it had no 200 for, and repeats some it had: every
order is stored once, its units reserved once, every summary posted to Slack once."""

from __future__ import annotations

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from bot.console.local_slack import LocalSlack
from bot.facade import Backorders
from domain.model import Catalog, Product, Supplier
from domain.notifications import BACKORDERS_SUMMARY
from storage.db import Database
from tests.support.bot_process import (
    WEBHOOK_SECRETS,
    BotProcess,
    Store,
    StoreOrder,
    outcomes,
    store_orders,
    wait_until,
    write_config,
)

ORDERS = 120
TUBES_IN_STOCK = 30  # each order wants 1 TUBE (some get one) and 2 CHAIN (none in stock)
KILL_AFTER = 40  # answers
CONFIG = """
slack: {channel: "#purchasing", approvers: [U012ABCDEF]}
summaries: {batch_every: "1s"}  # one post a second at most: a few posts, not 120
stores: {reconcile_every: "0"}
"""


def stock(database: Database) -> None:
    no_early_proposal = 10**6  # a PO proposal would be one more Slack post; not this test's
    Backorders(database).import_catalog(
        Catalog(
            (Supplier("Acme", "orders@acme.test", 7, no_early_proposal),),
            (
                Product("TUBE", "Inner tube", "Acme", TUBES_IN_STOCK, 1, Decimal("3.45")),
                Product("CHAIN", "11-speed chain", "Acme", 0, 1, Decimal("18.90")),
            ),
        )
    )


def burst_until_killed(bot: BotProcess, store: Store, orders: list[StoreOrder]) -> None:
    """Six threads deliver; after KILL_AFTER answers the bot is killed, mid-burst."""
    answered = threading.Semaphore(0)

    def counted(order: StoreOrder) -> None:
        store.deliver(bot.url, order)
        answered.release()

    def killer() -> None:
        for _ in range(KILL_AFTER):
            answered.acquire()
        bot.kill()

    assassin = threading.Thread(target=killer)
    assassin.start()
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(counted, orders))
    assassin.join(30)


def all_told(database: Database) -> bool:
    left = "SELECT id FROM summary_queue UNION ALL SELECT id FROM outbox WHERE status <> 'sent'"
    return not rows(database, left)


def rows(database: Database, sql: str) -> list[tuple]:
    with database.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def assert_each_order_stored_once(database: Database, store: Store) -> None:
    numbers = [n for (n,) in rows(database, "SELECT external_id FROM orders")]
    assert Counter(numbers) == Counter({f"K{i:04d}": 1 for i in range(1, ORDERS + 1)})
    lines = rows(
        database,
        "SELECT o.external_id, l.sku, l.quantity, l.allocated_qty, l.waiting_qty "
        "FROM order_lines l JOIN orders o ON o.id = l.order_id",
    )
    assert len(lines) == 2 * ORDERS
    waiting = Counter()
    for number, sku, quantity, allocated, waits in lines:
        assert allocated + waits == quantity, (number, sku)
        waiting[number] += waits
    # What each order's one "applied" answer said is what the bot keeps.
    for number in waiting:
        assert store.applied_answer(number)["backordered_units"] == waiting[number], number


def assert_units_reserved_once(database: Database) -> None:
    per_sku = dict(
        (sku, (allocated, waits))
        for sku, allocated, waits in rows(
            database,
            "SELECT sku, SUM(allocated_qty), SUM(waiting_qty) FROM order_lines GROUP BY sku",
        )
    )
    assert per_sku == {
        "TUBE": (TUBES_IN_STOCK, ORDERS - TUBES_IN_STOCK),
        "CHAIN": (0, 2 * ORDERS),
    }
    on_hand = dict(rows(database, "SELECT sku, on_hand FROM products"))
    assert on_hand == {"TUBE": 0, "CHAIN": 0}


def assert_summaries_posted_once(database: Database, slack: LocalSlack) -> None:
    summaries = rows(
        database,
        f"SELECT payload, status, result FROM outbox WHERE kind = '{BACKORDERS_SUMMARY}'",
    )
    assert {status for _, status, _ in summaries} == {"sent"}
    told = Counter()
    for payload, _, _ in summaries:
        for line in json.loads(payload)["new_backorders"]:
            told[(line["order_number"], line["sku"])] += line["waiting"]
    waiting = {
        (number, sku): waits
        for number, sku, waits in rows(
            database,
            "SELECT o.number, l.sku, l.waiting_qty FROM order_lines l "
            "JOIN orders o ON o.id = l.order_id WHERE l.waiting_qty > 0",
        )
    }
    assert told == waiting  # each waiting line in exactly one summary, with its units
    posted = [call.response["ts"] for call in slack.messages()]
    assert Counter(posted) == Counter(json.loads(result)["ts"] for _, _, result in summaries)
    others = rows(database, f"SELECT kind FROM outbox WHERE kind <> '{BACKORDERS_SUMMARY}'")
    assert others == []


def test_killed_mid_burst_then_resent_stores_every_order_once_and_posts_once(
    database: Database, tmp_path: Path
) -> None:
    stock(database)
    orders = store_orders("K", ORDERS, ("TUBE", 1), ("CHAIN", 2))
    store = Store()
    with LocalSlack() as slack:
        env = WEBHOOK_SECRETS | {
            "DATABASE_URL": database.url,
            "BOT_CONFIG": str(write_config(tmp_path, CONFIG)),
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "test-signing-secret",
            "SLACK_API_URL": slack.api_url,
        }
        bot = BotProcess(env, tmp_path / "bot.log").start()
        try:
            burst_until_killed(bot, store, orders)
            first = Counter("ok" if store.stored(o.number) else "not stored" for o in orders)
            assert first["not stored"] > 0, f"the kill came after the burst: {first}"
            bot.start()
            resent = [o for o in orders if not store.stored(o.number)]
            repeats = [o for o in orders if store.stored(o.number)][::4]
            again = store.burst(bot.url, resent + repeats)
            assert outcomes(again)["applied"] + outcomes(again).get("duplicate", 0) == len(again)
            assert all(store.stored(o.number) for o in orders)
            # A post claimed when the bot was killed waits out its lease (60 s) first.
            wait_until(lambda: all_told(database), 90, "every summary taken and posted")
        finally:
            bot.kill()  # what it did is in the database; a clean stop would add 5 s
        assert_each_order_stored_once(database, store)
        assert_units_reserved_once(database)
        assert_summaries_posted_once(database, slack)
