"""The bot killed (SIGKILL) in the middle of a burst of store orders, then started again on the
same database while the store resends what it had no 200 for, and repeats some it had: every
order is stored once, its units reserved once, every summary posted to Slack once."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.console.local_slack import Fault, LocalSlack
from storage.db import Database
from tests.support.bot_process import (
    WEBHOOK_SECRETS,
    BotProcess,
    Store,
    StoreOrder,
    outcomes,
    wait_until,
    write_config,
)
from tests.support.order_burst import (
    CONFIG,
    all_told,
    assert_each_order_stored_once,
    assert_summaries_posted_once,
    assert_units_reserved_once,
    burst_orders,
    stock,
)

KILL_AFTER = 40  # answers


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


def test_killed_mid_burst_then_resent_stores_every_order_once_and_posts_once(
    database: Database, tmp_path: Path
) -> None:
    stock(database)
    orders = burst_orders("K")
    store = Store()
    with LocalSlack() as slack:
        # The first post is asked to wait 5 s (kept in the database across the kill): so no
        # post is in flight when the kill comes, where Slack may have it but the bot not know
        # (docs/operations.md: at least once for Slack; the stall test shows that case).
        slack.fail_next("chat.postMessage", Fault.rate_limited(5))
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
        assert_each_order_stored_once(database, store, "K")
        assert_units_reserved_once(database)
        assert_summaries_posted_once(database, slack)
