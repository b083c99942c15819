"""The emails' opt-out link over real HTTP, on SQLite and PostgreSQL: a page with one button, and
RFC 8058's one-click POST that mail clients send, each recording the opt-out once."""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlsplit

from sqlalchemy import select

from storage.models import CustomerChoiceRow, OrderRow
from tests.e2e.conftest import RunningBot
from tests.e2e.test_journey_page import page_of, place
from tests.e2e.test_metrics import counting_statements
from tests.support.builders import catalog
from tests.support.http import Reply, request

ONE_CLICK = b"List-Unsubscribe=One-Click"


def post(url: str, body: bytes, content_type: str = "application/x-www-form-urlencoded") -> Reply:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("POST", parts.path, body, {"Content-Type": content_type})
    answer = conn.getresponse()
    reply = Reply(answer.status, answer.read(), dict(answer.getheaders()))
    conn.close()
    return reply


def opted_out(bot: RunningBot, order_id: int) -> tuple[bool, int]:
    with bot.bot.database.engine.connect() as conn:
        at = conn.execute(
            select(OrderRow.notices_opt_out_at).where(OrderRow.id == order_id)
        ).scalar_one()
        choices = conn.execute(
            select(CustomerChoiceRow.id).where(CustomerChoiceRow.order_id == order_id)
        ).all()
    return at is not None, len(choices)


def test_the_opt_out_link_shows_one_button_and_its_post_stops_the_emails_once(
    slack_bot: RunningBot,
) -> None:
    mine = place(slack_bot, "J-1", ("CHAIN", 2))
    link = page_of(slack_bot, mine) + "/opt-out"
    page = request(link)
    assert page.status == 200
    html = page.body.decode()
    [form] = re.findall(r'<form method="post" action="([^"]+)">', html)
    assert form == urlsplit(link).path
    assert html.count("<button") == 1 and 'value="One-Click"' in html
    assert opted_out(slack_bot, mine) == (False, 0)  # looking is not opting out
    done = post(link, ONE_CLICK)
    assert done.status == 200 and "no more emails about order J-1" in done.body.decode()
    assert post(link, ONE_CLICK).status == 200  # a mail client retrying
    assert opted_out(slack_bot, mine) == (True, 1)


def test_a_mail_clients_multipart_one_click_post_is_taken(slack_bot: RunningBot) -> None:
    mine = place(slack_bot, "J-1", ("CHAIN", 2))
    body = (
        b'--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        b"One-Click\r\n--b--\r\n"
    )
    reply = post(page_of(slack_bot, mine) + "/opt-out", body, "multipart/form-data; boundary=b")
    assert reply.status == 200
    assert opted_out(slack_bot, mine) == (True, 1)


def test_the_opt_out_door_refuses_before_any_database_work(running_bot: RunningBot) -> None:
    running_bot.bot.backorders.import_catalog(catalog(("CHAIN", 0)))
    mine = place(running_bot, "J-1", ("CHAIN", 2))
    link = page_of(running_bot, mine) + "/opt-out"
    forged = f"{running_bot.url}/o/{'x' * 54}/opt-out"
    with counting_statements(running_bot.bot.database) as statements:
        assert post(forged, ONE_CLICK).status == 404
        assert request(forged).status == 404
        assert post(link, ONE_CLICK + b"&" + b"x" * 2000).status == 413
    assert statements == []
    assert post(link, b"choice=opt_out").status == 400  # not RFC 8058's body
    assert opted_out(running_bot, mine) == (False, 0)
