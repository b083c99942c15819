"""Over real HTTP: a Shopify line the shop had partly sent when the bot first saw it (issue 12).
Only what is left to fulfil is demand, then and after; units the shop sends later stay taken."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import RunningBot
from tests.e2e.test_real_store_orders import post_shopify, shopify_order


def chain_line(quantity: int, fulfillable: int, updated_at: str | None = None) -> Any:
    """Order #1002's CHAIN line: `quantity` ordered, `fulfillable` of them not yet sent."""

    def change(data: dict[str, Any]) -> None:
        line = data["line_items"][0]
        line.update(quantity=quantity, current_quantity=quantity)
        line["fulfillable_quantity"] = fulfillable
        if updated_at:
            data["updated_at"] = updated_at

    return shopify_order(change)


def test_a_line_first_seen_partly_sent_waits_only_for_what_is_left(
    slack_bot: RunningBot,
) -> None:
    assert post_shopify(slack_bot, chain_line(3, 1))["backordered_units"] == 1
    [supplier] = slack_bot.bot.backorders.overview().suppliers
    assert supplier.waiting_units == 1


def test_an_edit_after_a_partly_sent_first_sight_adds_only_the_new_units(
    slack_bot: RunningBot,
) -> None:
    post_shopify(slack_bot, chain_line(3, 1))
    edited = chain_line(4, 2, updated_at="2026-11-01T10:00:00-05:00")
    assert post_shopify(slack_bot, edited, "orders/updated")["backordered_units"] == 1
    [supplier] = slack_bot.bot.backorders.overview().suppliers
    assert supplier.waiting_units == 2


def test_units_the_shop_sends_after_the_bot_reserved_them_do_not_come_back_to_stock(
    slack_bot: RunningBot,
) -> None:
    def tubes(fulfillable: int, updated_at: str | None = None) -> dict[str, Any]:
        data = chain_line(2, fulfillable, updated_at)
        data["line_items"][0]["sku"] = "TUBE"  # 3 on the shelf
        return data

    assert post_shopify(slack_bot, tubes(2))["backordered_units"] == 0
    sent = tubes(0, "2026-11-01T10:00:00-05:00")
    post_shopify(slack_bot, sent, "orders/updated")
    other = tubes(2)
    other.update(id=4242, name="#1003", order_number=1003)
    assert post_shopify(slack_bot, other)["backordered_units"] == 1  # 1 TUBE was left, not 3
