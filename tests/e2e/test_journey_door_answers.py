"""What the journey door says back, and what it writes down, when a customer's request is odd:
a cancel with nothing left to cancel, a refused form on a real link. Over HTTP on SQLite and
PostgreSQL."""

from __future__ import annotations

import http.client
import logging
from urllib.parse import urlsplit

import pytest

from bot.journey_tokens import fingerprint
from tests.e2e.conftest import RunningBot
from tests.e2e.test_journey_page import page_of, place, post_choice
from tests.e2e.test_metrics import counting_statements
from tests.support.builders import catalog
from tests.support.http import request


def test_a_cancel_with_nothing_waiting_says_nothing_is_cancelled_not_refunded(
    slack_bot: RunningBot,
) -> None:
    slack_bot.bot.backorders.import_catalog(catalog(("TUBE", 5)))
    mine = place(slack_bot, "J-1", ("TUBE", 2))  # all from stock: filled while the page was open
    url = page_of(slack_bot, mine)
    posted = post_choice(url, "cancel")
    assert posted.status == 303
    confirmed = request(slack_bot.url + posted.headers["Location"]).body.decode()
    assert "nothing is cancelled" in confirmed
    assert "refund" not in confirmed
    assert slack_bot.bot.backorders.order("J-1")[0].lines[0].allocated == 2


def test_an_answer_only_in_the_url_confirms_nothing(slack_bot: RunningBot) -> None:
    mine = place(slack_bot, "J-1", ("CHAIN", 1))
    for answered in ("cancel", "nothing_waiting"):
        page = request(page_of(slack_bot, mine) + f"?answered={answered}").body.decode()
        assert "cancelled" not in page


def post_raw(url: str, body: bytes) -> int:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("POST", parts.path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    status = conn.getresponse().status
    conn.close()
    return status


def test_a_refused_form_on_a_real_link_never_writes_the_link_to_the_log(
    slack_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    mine = place(slack_bot, "J-1", ("CHAIN", 1))
    url = page_of(slack_bot, mine)
    token = url.rsplit("/", 1)[1]
    with caplog.at_level(logging.WARNING, logger="bot.refused"):
        assert post_raw(url + "/choice", b"choice=refund-me") == 400
        assert post_raw(url + "/choice", b"x" * 2000) == 413
        assert post_raw(url + "/opt-out", b"unsubscribe") == 400
    refusals = [r.getMessage() for r in caplog.records if r.name == "bot.refused"]
    assert len(refusals) == 3
    assert all(token not in line for line in refusals)
    assert all(fingerprint(token)[:12] in line for line in refusals)  # still traceable


def test_the_feed_reads_each_suppliers_lead_times_once_however_many_products_wait(
    running_bot: RunningBot,
) -> None:
    skus = [f"SKU-{n}" for n in range(8)]
    running_bot.bot.backorders.import_catalog(catalog(*((sku, 0) for sku in skus)))
    place(running_bot, "J-1", *((sku, 1) for sku in skus))
    with counting_statements(running_bot.bot.database) as statements:
        reply = request(running_bot.url + "/feeds/backorder-products.json")
    assert reply.status == 200 and reply.body.count(b'"sku"') == 8
    assert len(statements) <= 3  # the products, one supplier's lead times, nothing per product
