"""Over real HTTP: orders as shops really send them (issue 12). Names with a suffix, gift cards,
orders first seen fulfilled, test orders and the store's cancellation time."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from bot.app import build_bot
from bot.config import ConfigError, parse_config
from bot.console.local_slack import LocalSlack
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from domain.errors import NotFound
from storage.db import Database
from tests.e2e.conftest import CONFIG, SECRETS, RunningBot
from tests.e2e.test_order_by_store import ask
from tests.support.builders import T0, minutes
from tests.support.http import base64_signature, fixture_bytes, fixture_headers, request

GIFT_CARD_LINE = {  # as Shopify sends a gift card: no SKU, nothing to ship, already fulfilled
    "id": 13688971493692,
    "name": "Gift Card - $25",
    "title": "Gift Card",
    "sku": None,
    "gift_card": True,
    "requires_shipping": False,
    "fulfillable_quantity": 0,
    "fulfillment_status": "fulfilled",
    "quantity": 1,
    "current_quantity": 1,
}


def shopify_order(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Shopify's published orders/create body (#1002) for 2 CHAIN, then `change`d."""
    data = json.loads(fixture_bytes("shopify", "orders_create.json"))
    data["line_items"][0].update(sku="CHAIN", quantity=2, current_quantity=2)
    data["line_items"][0]["fulfillable_quantity"] = 2
    change(data)
    return data


def post_shopify(bot: RunningBot, data: dict[str, Any], topic: str = "orders/create") -> Any:
    body = json.dumps(data).encode()
    headers = fixture_headers("shopify", "orders_create.json")
    headers |= {
        "X-Shopify-Hmac-Sha256": base64_signature(body),
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": f"{data['id']}-{data['updated_at']}-{topic}-{len(body)}",
    }
    reply = request(f"{bot.url}/webhooks/shopify", body, headers)
    assert reply.status == 200, reply.body
    return reply.json()


def named_1166x01(data: dict[str, Any]) -> None:
    data.update(name="#1166X01", order_number=1166, number=166)


def test_an_order_is_shown_and_found_by_the_name_the_shop_shows(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    answer = post_shopify(slack_bot, shopify_order(named_1166x01))
    assert answer["backordered_units"] == 2
    for asked in ("1166X01", "#1166X01", "1166", "1073459983", "shopify:1166x01"):
        shown = ask(slack_bot, local_slack, f"order {asked}", asked)
        assert shown["text"].startswith("Order #1166X01: 2 units still waiting"), asked
    slack_bot.bot.backorders.flush_summaries()
    posted = local_slack.wait_for(lambda calls: any("#1166X01" in str(c.params) for c in calls))
    assert not any("#1166 " in str(c.params) or "#1166*" in str(c.params) for c in posted)
    done = ask(slack_bot, local_slack, "cancel 1166X01", "cancel")
    assert done["text"].startswith("Order #1166X01 is cancelled: 0 units back to stock")


def test_a_number_two_stores_share_asks_for_the_store_and_takes_it(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    post_shopify(slack_bot, shopify_order(named_1166x01))
    woo = json.loads(fixture_bytes("woocommerce", "order_created.wc-v3.json"))
    woo.update(id=1166, number="1166")
    body = json.dumps(woo).encode()
    headers = fixture_headers("woocommerce", "order_created.wc-v3.json")
    headers["X-WC-Webhook-Signature"] = base64_signature(body)
    assert request(f"{slack_bot.url}/webhooks/woocommerce", body, headers).status == 200
    ambiguous = ask(slack_bot, local_slack, "order 1166", "ambiguous")
    assert ambiguous["text"] == "Order 1166 is in two stores: say shopify:1166 or woocommerce:1166."
    named = ask(slack_bot, local_slack, "order shopify:1166", "named")
    assert named["text"].startswith("Order #1166X01: 2 units still waiting")


def test_a_gift_card_line_is_recorded_by_its_position_and_never_flagged(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    answer = post_shopify(
        slack_bot, shopify_order(lambda d: d["line_items"].append(GIFT_CARD_LINE))
    )
    assert answer["unplaced_lines"] == []
    assert slack_bot.bot.backorders.overview().unplaced_lines == 0
    shown = ask(slack_bot, local_slack, "order 1002", "order")
    blocks = str(shown["blocks"])
    assert "2. Gift Card - $25 — 1 ordered: needs no shipping" in blocks
    assert "13688971493692" not in blocks
    assert "by hand" not in shown["text"]


def test_an_order_first_seen_after_the_shop_fulfilled_it_waits_for_nothing(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    def fulfilled(data: dict[str, Any]) -> None:
        data.update(fulfillment_status="fulfilled")
        data["line_items"][0].update(fulfillable_quantity=0, fulfillment_status="fulfilled")

    assert post_shopify(slack_bot, shopify_order(fulfilled))["backordered_units"] == 0
    assert slack_bot.bot.backorders.overview().suppliers == ()
    shown = ask(slack_bot, local_slack, "order 1002", "order")
    assert "already sent by the shop" in str(shown["blocks"])


def test_a_test_order_is_kept_apart_and_never_becomes_demand(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    answer = post_shopify(slack_bot, shopify_order(lambda d: d.update(test=True)))
    assert (answer["outcome"], answer["backordered_units"]) == ("applied", 0)
    assert slack_bot.bot.backorders.overview().suppliers == ()
    shown = ask(slack_bot, local_slack, "order 1002", "order")
    assert "Order #1002 (test order)" in str(shown["blocks"])
    assert "goes on no PO" in shown["text"]


def test_an_order_first_seen_cancelled_keeps_the_stores_cancellation_time(
    running_bot: RunningBot,
) -> None:
    data = json.loads(fixture_bytes("shopify", "orders_cancelled.json"))
    data["updated_at"] = "2025-04-02T11:45:00-05:00"  # edited after it was cancelled
    post_shopify(running_bot, data, "orders/cancelled")
    with running_bot.bot.database.engine.connect() as conn:
        [when] = conn.execute(text("SELECT cancelled_at FROM orders")).scalars()
    assert str(when).startswith("2025-04-02 16:31:25")  # 11:31:25-05:00, not when it came


def test_with_test_orders_ignored_a_test_order_is_answered_and_not_kept(
    database: Database,
) -> None:
    config = parse_config(CONFIG | {"stores": {"test_orders": "ignore"}})
    bot = build_bot(settings_from_env(SECRETS), config, lambda: T0 + minutes(1), database)
    server = HttpServer(bot.http, "127.0.0.1", 0, threads=2)
    server.start_in_thread()
    try:
        running = RunningBot(bot, f"http://127.0.0.1:{server.port}")
        answer = post_shopify(running, shopify_order(lambda data: data.update(test=True)))
        assert answer["outcome"] == "ignored"
        with pytest.raises(NotFound):
            bot.backorders.order("1002")
    finally:
        server.close()


def test_a_test_orders_setting_that_is_neither_record_nor_ignore_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match=r"stores\.test_orders"):
        parse_config(CONFIG | {"stores": {"test_orders": "drop"}})
