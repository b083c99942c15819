"""Over real HTTP: every store payload in tests/fixtures (published by the stores or their users,
sources in tests/fixtures/README.md) is taken, answered, and a repeat of it changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import RunningBot
from tests.support.http import FIXTURES, request

ROUTES = {"shopify": "/webhooks/shopify", "woocommerce": "/webhooks/woocommerce"}
PAYLOADS = [
    (folder, name)
    for folder in ROUTES
    for name in json.loads((FIXTURES / folder / "headers.example.json").read_text())
    if not name.startswith("_")
]


def deliver(bot: RunningBot, folder: str, name: str) -> dict[str, object]:
    headers = json.loads((FIXTURES / folder / "headers.example.json").read_text())[name]
    body = Path(FIXTURES / folder / name).read_bytes()
    reply = request(f"{bot.url}{ROUTES[folder]}", body, headers)
    assert reply.status == 200, reply.body
    return reply.json()


@pytest.mark.parametrize(("folder", "name"), PAYLOADS, ids=[name for _, name in PAYLOADS])
def test_every_published_payload_is_taken_once(
    stocked_bot: RunningBot, folder: str, name: str
) -> None:
    assert deliver(stocked_bot, folder, name)["outcome"] == "applied"
    assert deliver(stocked_bot, folder, name)["outcome"] == "duplicate"


def test_shopifys_test_notification_is_a_test_order_named_9999_and_found_by_1234(
    stocked_bot: RunningBot,
) -> None:
    answer = deliver(stocked_bot, "shopify", "orders_create_test_notification.json")
    assert (answer["order"], answer["backordered_units"]) == ("#9999", 0)
    for asked in ("9999", "#9999", "1234"):
        [order] = stocked_bot.bot.backorders.order(asked)
        assert (order.number, order.test, order.cancelled) == ("#9999", True, True)


def test_a_real_gift_card_order_is_recorded_and_nothing_is_flagged(
    stocked_bot: RunningBot,
) -> None:
    answer = deliver(stocked_bot, "shopify", "orders_fulfilled_gift_card.json")
    assert (answer["order"], answer["unplaced_lines"]) == ("#1003", [])
    assert stocked_bot.bot.backorders.overview().unplaced_lines == 0
    [order] = stocked_bot.bot.backorders.order("1003")
    [line] = order.lines
    assert (line.position, line.name, line.not_stock) == (1, "GiftCard-$10", "test_order")
