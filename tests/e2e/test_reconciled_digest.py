"""The weekly digest says how many orders reconciliation found that the store's webhooks missed
(issue 12), in the channel and in its workbook; with no store reconciled it says nothing of it."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import openpyxl

from bot.console.local_slack import LocalSlack
from bot.facade import Backorders
from bot.reconciling import reconcile
from bot.settings import settings_from_env
from handlers.stores import ShopifyOrders
from tests.e2e.conftest import SECRETS, RunningBot
from tests.e2e.test_reconcile import shopify_webhook
from tests.e2e.test_slack import ask
from tests.support.builders import T0
from tests.support.store_apis import fake_shopify, shopify_env, shopify_order

MISSED = "Reconciliation found 1 order the store's webhooks missed"


def posted_digest(bot: RunningBot, slack: LocalSlack) -> tuple[str, dict[str, Any]]:
    """`/backorders digest`: the channel message's text, and the workbook's summary by label."""
    assert "on its way" in ask(bot, slack, "digest", name="digest")["text"]
    bot.bot.worker.wake()  # type: ignore[union-attr]
    slack.wait_for(lambda calls: any(c.method.startswith("files.complete") for c in calls))
    [digest] = [m for m in slack.messages("C0PURCHASE") if "digest" in m.params["text"]]
    [upload] = slack.uploads.values()
    book = openpyxl.load_workbook(io.BytesIO(upload.content))
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True) if row}
    return json.dumps(digest.params["blocks"]), summary


def test_the_digest_counts_the_orders_reconciliation_found_that_webhooks_missed(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    earlier = T0 - timedelta(hours=1)
    desk = Backorders(slack_bot.bot.database, clock=lambda: earlier)
    with fake_shopify() as shop:
        shop.orders = [
            shopify_order(1001, [("TUBE", 1)], T0 - timedelta(hours=3)),
            shopify_order(1002, [("CHAIN", 2)], T0 - timedelta(hours=2)),
        ]
        shopify_webhook(desk.database, shop.orders[0], "webhook-1001")
        store = ShopifyOrders(settings_from_env(SECRETS | shopify_env(shop)).shopify)
        [tally] = reconcile(desk, [store], since=timedelta(days=2))
    assert (tally.read, tally.new) == (2, 1)
    blocks, summary = posted_digest(slack_bot, local_slack)
    assert MISSED in blocks
    assert summary["Orders webhooks missed"] == 1


def test_with_no_store_reconciled_the_digest_does_not_speak_of_it(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    blocks, summary = posted_digest(slack_bot, local_slack)
    assert "Reconciliation" not in blocks
    assert summary["Orders webhooks missed"] == "not reconciled"
