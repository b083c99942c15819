"""Over real HTTP: a shop whose order prefix is not '#' (Shopify's `SO-1166`) sees its orders
named as it names them in every answer, and people find them with or without a '#' (issue 12).
WooCommerce's bare `number` is shown as its admin shows it, `#1234`."""

from __future__ import annotations

import json
from typing import Any

from bot.console.local_slack import LocalSlack
from tests.e2e.conftest import RunningBot
from tests.e2e.test_order_by_store import ask
from tests.e2e.test_real_store_orders import post_shopify, shopify_order
from tests.support.http import base64_signature, fixture_bytes, fixture_headers, request


def so_1166(data: dict[str, Any]) -> None:
    data.update(name="SO-1166", order_number=1166, number=166)


def test_an_order_named_with_the_shops_own_prefix_is_shown_as_the_shop_shows_it(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    assert post_shopify(slack_bot, shopify_order(so_1166))["order"] == "SO-1166"
    for asked in ("SO-1166", "#SO-1166", "so-1166", "1166"):
        shown = ask(slack_bot, local_slack, f"order {asked}", asked)
        assert shown["text"].startswith("Order SO-1166: 2 units still waiting"), asked
    slack_bot.bot.backorders.flush_summaries()
    local_slack.wait_for(
        lambda calls: any(c.method == "chat.postMessage" and "1166" in str(c.params) for c in calls)
    )
    summary = json.dumps([c.params for c in local_slack.messages()])
    assert "SO-1166" in summary and "#SO-1166" not in summary
    done = ask(slack_bot, local_slack, "cancel #SO-1166", "cancel")
    assert done["text"].startswith("Order SO-1166 is cancelled")


def test_a_woocommerce_order_is_shown_with_the_hash_its_admin_shows(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    woo = json.loads(fixture_bytes("woocommerce", "order_created.wc-v3.json"))
    woo.update(number="1234")
    body = json.dumps(woo).encode()
    headers = fixture_headers("woocommerce", "order_created.wc-v3.json")
    headers["X-WC-Webhook-Signature"] = base64_signature(body)
    assert request(f"{slack_bot.url}/webhooks/woocommerce", body, headers).status == 200
    for asked in ("1234", "#1234"):
        shown = ask(slack_bot, local_slack, f"order {asked}", asked)
        assert shown["text"].startswith("Order #1234"), asked
