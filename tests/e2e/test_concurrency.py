"""Races decided by the database: orders for the last unit at once, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from domain.model import Catalog, Product, Supplier
from tests.e2e.conftest import RunningBot
from tests.support.http import Reply, generic_order, request, signed_generic

RACERS = 8
ROUNDS = 5


def race(bot: RunningBot, bodies: list[bytes]) -> list[Reply]:
    start = threading.Barrier(len(bodies))

    def post(body: bytes) -> Reply:
        start.wait()
        return request(f"{bot.url}/webhooks/orders", body, signed_generic(body))

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


def test_orders_racing_for_the_last_unit_leave_exactly_one_allocated(
    running_bot: RunningBot,
) -> None:
    from decimal import Decimal

    skus = [f"LAST-{n}" for n in range(ROUNDS)]
    running_bot.import_catalog(
        Catalog(
            (Supplier("Acme", None, 7, 0),),
            tuple(Product(sku, sku, "Acme", 1, 1, Decimal("1")) for sku in skus),
        )
    )
    for round_no, sku in enumerate(skus):
        bodies = [generic_order(f"R{round_no}-{i}", (sku, 1)) for i in range(RACERS)]
        replies = race(running_bot, bodies)
        assert [r.status for r in replies] == [200] * RACERS
        assert sorted(r.json()["backordered_units"] for r in replies) == [0] + [1] * (RACERS - 1)
        status = running_bot.sku(sku)
        assert (status.on_hand, status.waiting_units, status.waiting_lines) == (
            0,
            RACERS - 1,
            RACERS - 1,
        )


def test_the_same_delivery_racing_with_itself_is_applied_once(running_bot: RunningBot) -> None:
    from tests.support.builders import catalog

    running_bot.import_catalog(catalog(("TUBE", 2)))
    body = generic_order("DUP-1", ("TUBE", 3))
    replies = race(running_bot, [body] * RACERS)
    assert sorted(r.json()["outcome"] for r in replies) == ["applied"] + ["duplicate"] * (
        RACERS - 1
    )
    assert running_bot.sku("TUBE").waiting_units == 1
