"""Customers' journey pages and the backorder feed over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import http.client
import json
import re
from urllib.parse import urlsplit

from sqlalchemy import select, update

from bot.app import build_bot
from bot.config import parse_config
from bot.console.local_slack import LocalSlack
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from storage.db import Database
from storage.models import CustomerChoiceRow, OrderRow
from tests.e2e.conftest import CONFIG, SECRETS, RunningBot
from tests.e2e.test_metrics import counting_statements
from tests.support.builders import T0, catalog, delivery, minutes, order
from tests.support.http import Reply, request


def place(bot: RunningBot, number: str, *lines: tuple[str, int], first: str = "Ada") -> int:
    """An order from a customer with a first name, an email and a full name on file."""
    bot.bot.backorders.ingest(delivery(order(number, *lines)))
    with bot.bot.database.engine.begin() as conn:
        conn.execute(
            update(OrderRow)
            .where(OrderRow.number == number)
            .values(
                customer_first_name=first,
                customer_email=f"{first.lower()}@example.com",
                customer=f"{first} Lovelace, 12 Analytical Row",
            )
        )
        return conn.execute(select(OrderRow.id).where(OrderRow.number == number)).scalar_one()


def post_choice(url: str, choice: str) -> Reply:
    """A form post, redirects not followed (the browser would, with a GET)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    body = f"choice={choice}".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    conn.request("POST", parts.path + "/choice", body, headers)
    answer = conn.getresponse()
    reply = Reply(answer.status, answer.read(), dict(answer.getheaders()))
    conn.close()
    return reply


def page_of(bot: RunningBot, order_id: int) -> str:
    return bot.url + "/o/" + bot.bot.journey.token(order_id)


def test_the_page_shows_each_lines_journey_and_only_the_first_name(
    slack_bot: RunningBot,
) -> None:
    mine = place(slack_bot, "J-1", ("TUBE", 2), ("CHAIN", 2))
    place(slack_bot, "J-2", ("LIGHT", 1), first="Bob")
    reply = request(page_of(slack_bot, mine))
    assert reply.status == 200
    html = reply.body.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Hello Ada" in text and "order J-1" in text and "Ordered · Mon 2 Nov 2026" in text
    assert "Item CHAIN" in html and "Waiting for the supplier" in html
    assert "Expected to ship around" in html
    assert "Ready to ship" in html and "from our stock" in html  # TUBE came from the shelf
    for private in ("ada@example.com", "Lovelace", "Analytical", "J-2", "Bob", "LIGHT"):
        assert private not in html
    assert "<script" not in html
    headers = {k.lower(): v for k, v in reply.headers.items()}
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "script" not in headers["content-security-policy"]


def test_a_forged_or_altered_link_is_a_bare_404_without_touching_the_database(
    running_bot: RunningBot,
) -> None:
    slack_bot = running_bot  # no scheduler or outbox worker reading on their own meanwhile
    slack_bot.bot.backorders.import_catalog(catalog(("CHAIN", 0)))
    mine = place(slack_bot, "J-1", ("CHAIN", 1))
    token = slack_bot.bot.journey.token(mine)
    altered = token[:-1] + ("A" if token[-1] != "A" else "Q")
    forged = "x" * 54
    with counting_statements(slack_bot.bot.database) as statements:
        replies = [
            request(f"{slack_bot.url}/o/{t}") for t in (altered, forged, "short", token + "A")
        ]
        posted = post_choice(f"{slack_bot.url}/o/{forged}", "cancel")
    assert [r.status for r in replies] == [404] * 4 and posted.status == 404
    assert statements == []
    assert "Ada" not in replies[0].body.decode() and "J-1" not in replies[0].body.decode()
    assert slack_bot.bot.backorders.sku("CHAIN").waiting_units == 1


def test_rotating_the_journey_secret_revokes_links_sent_before(
    database: Database, slack_bot: RunningBot
) -> None:
    mine = place(slack_bot, "J-1", ("CHAIN", 1))
    old = page_of(slack_bot, mine)
    assert request(old).status == 200
    path = urlsplit(old).path
    for env, status in ((SECRETS, 200), (SECRETS | {"JOURNEY_SECRET": "rotated-9f2c"}, 404)):
        # Another replica (or the bot restarted): the stored secret, or the new one.
        replica = build_bot(settings_from_env(env), parse_config(CONFIG), lambda: T0, database)
        server = HttpServer(replica.http, "127.0.0.1", 0)
        server.start_in_thread()
        try:
            assert request(f"http://127.0.0.1:{server.port}{path}").status == status
        finally:
            server.close()


def test_cancel_drops_what_waits_tells_the_channel_and_counts_once(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    mine = place(slack_bot, "J-1", ("TUBE", 2), ("CHAIN", 3))
    place(slack_bot, "J-2", ("CHAIN", 1), first="Bob")
    assert slack_bot.bot.backorders.sku("CHAIN").waiting_units == 4
    url = page_of(slack_bot, mine)
    assert "already in stock for you" in request(url).body.decode()
    first, second = post_choice(url, "cancel"), post_choice(url, "cancel")
    assert first.status == second.status == 303
    confirmed = request(slack_bot.url + first.headers["Location"]).body.decode()
    assert "what was still waiting is cancelled" in confirmed
    again = request(slack_bot.url + second.headers["Location"]).body.decode()
    assert "nothing is cancelled" in again  # the second cancel found nothing more to drop
    assert slack_bot.bot.backorders.sku("CHAIN").waiting_units == 1  # Bob still waits
    local_slack.wait_for(lambda calls: any("cancelled what was" in str(c.params) for c in calls))
    heard = [c for c in local_slack.messages() if "cancelled what was" in str(c.params)]
    assert len(heard) == 1 and "J-1" in str(heard[0].params) and "3 CHAIN" in str(heard[0].params)
    with slack_bot.bot.database.engine.connect() as conn:
        choices = conn.execute(select(CustomerChoiceRow.choice)).scalars().all()
    assert choices == ["cancel"]
    status = slack_bot.bot.backorders.order("J-1")[0]
    tube = next(line for line in status.lines if line.sku == "TUBE")
    assert tube.allocated == 2  # set aside from stock: it still ships


def test_keep_waiting_and_opt_out_are_recorded_once(slack_bot: RunningBot) -> None:
    mine = place(slack_bot, "J-1", ("CHAIN", 1))
    url = page_of(slack_bot, mine)
    for choice in ("keep_waiting", "keep_waiting", "opt_out", "opt_out"):
        assert post_choice(url, choice).status == 303
    assert post_choice(url, "refund-me-twice").status == 400
    with slack_bot.bot.database.engine.connect() as conn:
        choices = conn.execute(select(CustomerChoiceRow.choice)).scalars().all()
        opted = conn.execute(select(OrderRow.notices_opt_out_at)).scalar_one()
    assert sorted(choices) == ["keep_waiting", "opt_out"]
    assert opted is not None
    assert "no more emails about this order" in request(url).body.decode()
    assert slack_bot.bot.backorders.sku("CHAIN").waiting_units == 1


def test_the_feed_lists_backordered_products_with_a_window_and_no_customer(
    slack_bot: RunningBot,
) -> None:
    place(slack_bot, "J-1", ("TUBE", 1), ("CHAIN", 2))
    reply = request(f"{slack_bot.url}/feeds/backorder-products.json")
    assert reply.status == 200
    products = json.loads(reply.body)["products"]
    assert [p["sku"] for p in products] == ["CHAIN"]  # TUBE is in stock
    [chain] = products
    assert chain["ships_from"] <= chain["ships_by"]
    assert chain["ships_from"] > (T0 + minutes(1)).date().isoformat()
    text = (
        reply.body.decode()
        + request(f"{slack_bot.url}/feeds/backorder-products.html").body.decode()
    )
    for private in ("Ada", "example.com", "J-1", "Lovelace"):
        assert private not in text
    assert "max-age=60" in reply.headers["Cache-Control"]
    with counting_statements(slack_bot.bot.database) as statements:
        again = request(f"{slack_bot.url}/feeds/backorder-products.json")
    assert again.body == reply.body and statements == []
