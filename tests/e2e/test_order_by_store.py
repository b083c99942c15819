"""Over real HTTP: Shopify's #1002 and the order webhook's 1002 are told apart in Slack."""

from __future__ import annotations

from typing import Any

from bot.console.local_slack import LocalSlack
from tests.e2e.conftest import RunningBot
from tests.support.http import (
    fixture_bytes,
    fixture_headers,
    generic_order,
    request,
    signed_generic,
)
from tests.support.slack import post_to_slack_events, slash_command

APPROVER = "U012ABCDEF"  # slack.approvers in the e2e config


def ask(bot: RunningBot, slack: LocalSlack, text: str, name: str) -> dict[str, Any]:
    """`/backorders <text>` from an approver; the answer comes to the response URL."""
    body = slash_command(text, slack.response_url(name), user_id=APPROVER)
    assert post_to_slack_events(bot.url, body).status == 200
    slack.wait_for(lambda calls: any(c.name == name for c in calls))
    [answer] = slack.responses(name)
    return answer.params


def two_stores_order_1002(bot: RunningBot) -> None:
    shopify = fixture_bytes("shopify", "orders_create.json")
    headers = fixture_headers("shopify", "orders_create.json")
    assert request(f"{bot.url}/webhooks/shopify", shopify, headers).status == 200
    generic = generic_order("G-1002", ("CHAIN", 2), number="1002")
    assert request(f"{bot.url}/webhooks/orders", generic, signed_generic(generic)).status == 200


def test_slack_cancels_a_shared_order_number_only_when_its_store_is_named(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    two_stores_order_1002(slack_bot)
    refused = ask(slack_bot, local_slack, "cancel 1002", "bare")
    assert refused["text"] == "Order 1002 is in two stores: say shopify:1002 or orders:1002."
    assert [s.cancelled for s in slack_bot.bot.backorders.order("1002")] == [False, False]
    shown = ask(slack_bot, local_slack, "order 1002", "shown")
    assert "Order #1002 — Shopify" in str(shown["blocks"])
    assert "Order #1002 — order webhook" in str(shown["blocks"])
    done = ask(slack_bot, local_slack, "cancel orders: 1002", "named")  # as people type it
    assert done["text"].startswith("Order #1002 (order webhook) is cancelled: 0 units back")
    states = {s.source: s.cancelled for s in slack_bot.bot.backorders.order("1002")}
    assert states == {"shopify": False, "orders": True}
