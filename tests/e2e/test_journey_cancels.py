"""A customer's "cancel" does what it says each time, and the team hears only of what it did:
a cancel that drops nothing (filled meanwhile, already cancelled, a test order) posts nothing,
and one after the store added more waiting units drops those. Over HTTP on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from sqlalchemy import select

from bot.console.local_slack import LocalSlack
from domain.notifications import ORDERS_CUSTOMER_CANCELLED
from storage.models import OrderRow
from storage.models_outbox import OutboxRow
from tests.e2e.conftest import RunningBot
from tests.e2e.test_journey_page import page_of, place, post_choice
from tests.support.builders import T0, delivery, minutes, order
from tests.support.http import request


def told_the_team(bot: RunningBot) -> list[list[list[object]]]:
    """The lines each message for the channel about a customer's cancel names, sent or not."""
    with bot.bot.database.engine.connect() as conn:
        rows = conn.execute(
            select(OutboxRow.payload)
            .where(OutboxRow.kind == ORDERS_CUSTOMER_CANCELLED)
            .order_by(OutboxRow.id)
        )
        return [json.loads(payload)["lines"] for (payload,) in rows]


def confirmation(bot: RunningBot, url: str) -> str:
    posted = post_choice(url, "cancel")
    assert posted.status == 303
    return request(bot.url + posted.headers["Location"]).body.decode()


def test_a_cancel_with_nothing_waiting_tells_the_team_nothing(slack_bot: RunningBot) -> None:
    mine = place(slack_bot, "J-1", ("TUBE", 2))  # all from stock
    answer = confirmation(slack_bot, page_of(slack_bot, mine))
    assert "nothing is cancelled" in answer and "refund" not in answer
    assert told_the_team(slack_bot) == []


def test_a_test_orders_cancel_tells_the_team_nothing(slack_bot: RunningBot) -> None:
    slack_bot.bot.backorders.ingest(delivery(replace(order("T-1", ("CHAIN", 2)), test=True)))
    with slack_bot.bot.database.engine.connect() as conn:
        mine = conn.execute(select(OrderRow.id).where(OrderRow.number == "T-1")).scalar_one()
    answer = confirmation(slack_bot, page_of(slack_bot, mine))
    assert "nothing is cancelled" in answer and "refund" not in answer
    assert told_the_team(slack_bot) == []


def test_a_second_cancel_drops_what_the_store_added_since_and_a_third_changes_nothing(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    mine = place(slack_bot, "J-1", ("CHAIN", 1))
    url = page_of(slack_bot, mine)
    assert "what was still waiting is cancelled" in confirmation(slack_bot, url)
    # The store edits the order: one more line, which waits for the supplier.
    edited = order("J-1", ("CHAIN", 1), ("LIGHT", 3), updated=T0 + minutes(5))
    slack_bot.bot.backorders.ingest(delivery(edited))
    assert slack_bot.bot.backorders.sku("LIGHT").waiting_units == 3

    assert "what was still waiting is cancelled" in confirmation(slack_bot, url)
    assert slack_bot.bot.backorders.sku("LIGHT").waiting_units == 0
    assert "nothing is cancelled" in confirmation(slack_bot, url)

    told = told_the_team(slack_bot)
    assert told == [[["CHAIN", 1]], [["LIGHT", 3]]]
    local_slack.wait_for(lambda calls: sum("3 LIGHT" in str(c.params) for c in calls) == 1)


def shown_text(url: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", request(url).body.decode()).split())


def test_a_line_the_customer_cancelled_still_shows_how_many_they_ordered(
    slack_bot: RunningBot,
) -> None:
    mine = place(slack_bot, "J-1", ("CHAIN", 2))
    url = page_of(slack_bot, mine)
    confirmation(slack_bot, url)
    text = shown_text(url)
    assert "Item CHAIN \u00d7 2 Cancelled." in text
    assert "\u00d7 0" not in text


def test_a_test_orders_page_says_it_was_a_test_not_an_empty_list(slack_bot: RunningBot) -> None:
    slack_bot.bot.backorders.ingest(delivery(replace(order("T-1", ("CHAIN", 2)), test=True)))
    with slack_bot.bot.database.engine.connect() as conn:
        mine = conn.execute(select(OrderRow.id).where(OrderRow.number == "T-1")).scalar_one()
    text = shown_text(page_of(slack_bot, mine))
    assert "This was a test order: nothing to follow." in text
    assert "Your items" not in text
