"""Orders each within every limit can still add up past 2^31 units of one SKU: the bot keeps
counting, and the supplier still gets its PO (PostgreSQL's 32-bit integers overflowed here)."""

from __future__ import annotations

import json

from tests.e2e.conftest import RunningBot
from tests.support.builders import catalog
from tests.support.http import request, signed_generic

ORDERS = 22  # 22 orders x 1,000 lines x 100,000 units = 2.2 billion, past 2^31 - 1


def big_order(number: int) -> bytes:
    lines = [{"id": str(i), "sku": "CHAIN", "quantity": 100_000} for i in range(1_000)]
    order = {"id": f"BIG-{number}", "placed_at": "2026-11-02T09:00:00Z", "lines": lines}
    return json.dumps(order).encode()


def test_orders_adding_up_past_two_billion_units_still_make_a_po(running_bot: RunningBot) -> None:
    bot = running_bot.bot.backorders
    bot.import_catalog(catalog(("CHAIN", 0)))
    for number in range(ORDERS):
        body = big_order(number)
        answer = request(f"{running_bot.url}/webhooks/orders", body, signed_generic(body))
        assert answer.status == 200, answer.body
    proposal = bot.raise_po("Acme", "U012ABCDEF")
    assert proposal.units == ORDERS * 1_000 * 100_000
    assert bot.overview().waiting_units == ORDERS * 1_000 * 100_000
