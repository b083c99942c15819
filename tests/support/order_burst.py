"""A burst of store orders for 1 TUBE (some in stock) and 2 CHAIN (none) each, and what must
hold afterwards whatever failed meanwhile: each order stored once, as the store was told; its
units reserved once; each waiting line in exactly one summary, each summary posted once."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

from sqlalchemy import text

from bot.console.local_slack import LocalSlack
from bot.facade import Backorders
from domain.model import Catalog, Product, Supplier
from domain.notifications import BACKORDERS_SUMMARY
from storage.db import Database
from tests.support.bot_process import Store, StoreOrder, store_orders

ORDERS = 120
TUBES_IN_STOCK = 30  # each order wants 1 TUBE (some get one) and 2 CHAIN (none in stock)
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


def burst_orders(prefix: str) -> list[StoreOrder]:
    return store_orders(prefix, ORDERS, ("TUBE", 1), ("CHAIN", 2))


def all_told(database: Database) -> bool:
    """Nothing waits to be summarised, nothing waits in the outbox."""
    left = "SELECT id FROM summary_queue UNION ALL SELECT id FROM outbox WHERE status = 'pending'"
    return not rows(database, left)


def rows(database: Database, sql: str) -> list[tuple]:
    with database.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def assert_each_order_stored_once(database: Database, store: Store, prefix: str) -> None:
    numbers = [n for (n,) in rows(database, "SELECT external_id FROM orders")]
    assert Counter(numbers) == Counter({f"{prefix}{i:04d}": 1 for i in range(1, ORDERS + 1)})
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
        applied = store.applied_answer(number)
        assert applied is None or applied["backordered_units"] == waiting[number], number


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
    """Each waiting line is in exactly one summary with its units; each summary posted once.
    A summary's facts are those it was queued with, or those taken when it went."""
    summaries = [
        (json.loads(payload), json.loads(result) if result else {})
        for payload, result in rows(
            database, f"SELECT payload, result FROM outbox WHERE kind = '{BACKORDERS_SUMMARY}'"
        )
    ]
    told: Counter[tuple[str, str]] = Counter()
    for facts, _ in summaries:
        for line in facts.get("new_backorders", []):
            told[(line["order_number"], line["sku"])] += line["waiting"]
    waiting = {
        (number, sku): waits
        for number, sku, waits in rows(
            database,
            "SELECT o.number, l.sku, l.waiting_qty FROM order_lines l "
            "JOIN orders o ON o.id = l.order_id WHERE l.waiting_qty > 0",
        )
    }
    assert told == waiting
    posted = Counter(call.response["ts"] for call in slack.messages())
    assert posted == Counter(result["ts"] for _, result in summaries if "ts" in result)
    assert all("ts" in result for facts, result in summaries if facts.get("new_backorders"))
    others = rows(database, f"SELECT kind FROM outbox WHERE kind <> '{BACKORDERS_SUMMARY}'")
    assert others == []
