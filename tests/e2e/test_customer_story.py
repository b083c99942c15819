"""Issue 13's story, lived by a shop end to end on SQLite and PostgreSQL: two customers' orders
wait for one supplier; after `customers.notice_delay` the channel approves their backordered
emails with one click; the PO goes out and comes late, so past its promise, and one click sends
the delay notices; one customer cancels from the email's link (demand freed, the channel told);
the goods arrive and the other hears, unasked, that it is on its way. Signed webhooks and Slack
clicks over real HTTP, emails over real SMTP, the bot's clock moved by the test."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest

from bot.app import build_bot
from bot.config import parse_config
from bot.console.local_slack import LocalSlack
from bot.console.slack_signing import interactive_body
from bot.facade import utc_now
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from domain.model import Catalog, Product, Supplier
from handlers.blocks.customer_notices import SEND_ALL
from handlers.ids import Action, Callback
from storage.db import Database
from tests.e2e.conftest import SECRETS, RunningBot
from tests.e2e.test_cli import free_port
from tests.e2e.test_customer_notice_batches import Clock, batch_messages
from tests.e2e.test_journey_page import post_choice
from tests.e2e.test_purchase_orders import answer, buttons, click, eventually
from tests.e2e.test_slack import ask
from tests.support.builders import T0, minutes
from tests.support.http import generic_order, request, signed_generic
from tests.support.notice_lifecycle import customer_mail, heard
from tests.support.slack import SIGNING_SECRET, fixture, post_to_slack_events
from tests.support.smtp import Inbox, smtp_server

APPROVER = "U012ABCDEF"
LEAD_DAYS, PROMISE_DAYS = 5, 14  # Acme's terms: promised ship-by 16 Nov for orders of 2 Nov
CONFIG = {
    "slack": {"channel": "C0PURCHASE", "approvers": [APPROVER]},
    "customers": {  # README's Customers section, as a shop writes it
        "notice_delay": "10m",
        "notices": {"backordered": "approve", "delayed": "approve", "on_its_way": "auto"},
        "from": "Velo Shop <shop@velo.example>",
        "reply_to": "help@velo.example",
        "signature": "The Velo Shop team",
    },
}
ANN, BOB = "ann@example.com", "bob@example.com"


@contextmanager
def velo_shop(database: Database, slack: LocalSlack) -> Iterator[tuple[RunningBot, Inbox, Clock]]:
    """The bot on a loopback port its journey links name; Acme (5 days, 14-day promise, at
    least 5 units) sells a chain, none in stock."""
    clock, port = Clock(), free_port()
    config = CONFIG | {
        "customers": CONFIG["customers"] | {"journey_base_url": f"http://127.0.0.1:{port}"}
    }
    with smtp_server() as (inbox, smtp_url):
        env = SECRETS | {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "SMTP_URL": smtp_url,
        }
        bot = build_bot(
            settings_from_env(env), parse_config(config), clock, database, outbox_pace_s=0.05
        )
        for worker in bot.workers:
            worker.clock = utc_now  # pacing and retries in real time
            worker.backoff_base_s = 0.1
        acme = Supplier("Acme", "orders@acme.test", LEAD_DAYS, 5, promise_days=PROMISE_DAYS)
        chain = Product("CHAIN", "11-speed chain", "Acme", 0, 1, Decimal("18.90"))
        bot.backorders.import_catalog(Catalog((acme,), (chain,)))
        server = HttpServer(bot.http, "127.0.0.1", port, threads=8)
        server.start_in_thread()
        bot.start_background()
        try:
            yield RunningBot(bot, f"http://127.0.0.1:{port}"), inbox, clock
        finally:
            bot.stop_background()
            server.close()


@pytest.fixture
def shop(database: Database, local_slack: LocalSlack) -> Iterator[tuple[RunningBot, Inbox, Clock]]:
    with velo_shop(database, local_slack) as running:
        yield running


def order_in(bot: RunningBot, number: str, units: int, email: str, first: str) -> None:
    body = generic_order(
        number,
        ("CHAIN", units),
        placed_at=T0.isoformat(),
        customer_email=email,
        customer_first_name=first,
    )
    reply = request(f"{bot.url}/webhooks/orders", body, signed_generic(body))
    assert reply.status == 200, reply.body


def settle(bot: RunningBot, timeout: float = 15) -> None:
    """Until both outbox workers (Slack's, the mail server's) delivered all queued so far."""
    deadline = time.monotonic() + timeout
    while bot.bot.outbox.backlog()[0]:
        assert time.monotonic() < deadline, "the outbox did not drain"
        for worker in bot.bot.workers:
            worker.wake()
        time.sleep(0.02)


def job_at(bot: RunningBot, clock: Clock, at: datetime) -> int:
    """The `customer_notices` job, run at `at`; then the outbox delivers."""
    clock.now = at
    written = int(bot.bot.backorders.send_customer_notices())
    settle(bot)
    return written


def send_all(bot: RunningBot, slack: LocalSlack, text: str, name: str) -> str:
    """One click on Send all of the batch the channel shows as `text`."""
    [message] = [m for m in batch_messages(slack) if m["text"] == text]
    click(bot, slack, SEND_ALL, buttons(message)[SEND_ALL], APPROVER, name)
    said = str(answer(slack, name)["text"])
    settle(bot)
    return said


def mails(inbox: Inbox, count: int) -> list[EmailMessage]:
    """The customers' emails, once `count` have come (suppliers' POs go through this server)."""
    eventually(lambda: len(customer_mail(inbox)) >= count)
    return customer_mail(inbox)


def plain(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def of_kind(messages: list[EmailMessage], kind: str) -> dict[str, EmailMessage]:
    found = [m for m in messages if heard(m).kind == kind]
    by_customer = {str(m["To"]): m for m in found}
    assert len(by_customer) == len(found), f"someone got two {kind} emails"
    return by_customer


def link_in(message: EmailMessage) -> str:
    """The journey page the email links to (its choice anchor and opt-out page aside)."""
    links = {w.split("#")[0] for w in plain(message).split() if "/o/" in w}
    [url] = {link for link in links if not link.endswith("/opt-out")}
    return url


def page_text(url: str) -> str:
    reply = request(url)
    assert reply.status == 200
    return " ".join(re.sub(r"<[^>]+>", " ", reply.body.decode()).split())


def day(on: date) -> str:
    return f"{on.day} {on:%B %Y}"  # "11 November 2026", however the sentence around it reads


def dates_in(text: str) -> list[date]:
    found = re.findall(r"(\d{1,2}) ([A-Z][a-z]+) (\d{4})", text)
    return [datetime.strptime(" ".join(d), "%d %B %Y").date() for d in found]


def told_of_cancel(posted: dict[str, Any]) -> bool:
    said = json.dumps(posted, ensure_ascii=False)
    return "1001" in said and "cancel" in said.lower()


def waiting_chains(bot: RunningBot, slack: LocalSlack, name: str) -> str:
    return json.dumps(ask(bot, slack, "sku CHAIN", name))


def approve_po(bot: RunningBot, slack: LocalSlack, inbox: Inbox) -> dict[str, Any]:
    """The proposal raised, approved with one click and emailed to Acme; its message after."""
    bot.bot.backorders.check_buffers()
    settle(bot)
    proposal = next(m.params for m in slack.messages() if Action.APPROVE_PO in json.dumps(m.params))
    click(bot, slack, Action.APPROVE_PO, buttons(proposal)[Action.APPROVE_PO], APPROVER, "po")
    answer(slack, "po")
    eventually(lambda: any(m["To"] == "orders@acme.test" for m in inbox.messages))
    eventually(lambda: bot.bot.backorders.open_pos()[0].status == "sent")
    settle(bot)
    return [c for c in slack.calls("chat.update") if c.delivered][-1].params


def receive(bot: RunningBot, slack: LocalSlack, message: dict[str, Any], units: int) -> None:
    """Receive pressed on the PO's message and the form submitted with `units`."""
    click(bot, slack, Action.RECEIVE_PO, buttons(message)[Action.RECEIVE_PO], APPROVER, "recv")
    eventually(lambda: bool(slack.calls("views.open")))
    modal = slack.calls("views.open")[-1].params["view"]
    [block] = [b["block_id"] for b in modal["blocks"] if b.get("block_id", "").startswith("line:")]
    payload = fixture("view_submission.json")
    payload["user"]["id"] = APPROVER
    value = {"type": "plain_text_input", "value": str(units)}
    payload["view"] |= {
        "callback_id": Callback.RECEIVE_PO,
        "private_metadata": modal["private_metadata"],
        "state": {"values": {block: {Action.QUANTITY: value}}},
    }
    assert post_to_slack_events(bot.url, interactive_body(payload)).status == 200


def test_two_customers_live_the_whole_story_from_waiting_to_on_its_way(
    shop: tuple[RunningBot, Inbox, Clock], local_slack: LocalSlack
) -> None:
    bot, inbox, clock = shop
    order_in(bot, "1001", 2, ANN, "Ann")
    order_in(bot, "1002", 3, BOB, "Bob")

    # 1. Ten minutes on: one batch, one click, each customer one email with the expected date.
    assert job_at(bot, clock, T0 + minutes(5)) == 0
    assert job_at(bot, clock, T0 + minutes(11)) == 2
    assert send_all(bot, local_slack, "✉️ 2 backorder notices ready for customers", "b") == (
        "Sent: 2 backorder notices."
    )
    backordered = of_kind(mails(inbox, 2), "backordered")
    assert sorted(backordered) == [ANN, BOB]
    first_expected = date(2026, 11, 11)  # Friday's order to Acme (6 Nov) + 5 days
    for to, first, number, other in [(ANN, "Ann", "1001", "1002"), (BOB, "Bob", "1002", "1001")]:
        text = plain(backordered[to])
        assert first in text and number in text and day(first_expected) in text
        assert other not in text and ({"Ann", "Bob"} - {first}).pop() not in text
    pages = {to: link_in(message) for to, message in backordered.items()}
    assert "Waiting for the supplier" in page_text(pages[ANN])

    # 2. The PO goes out on 2 Nov, due 7 Nov; it has not come by 20 Nov, past the 16 Nov promise.
    clock.now = T0 + timedelta(hours=1)
    po_message = approve_po(bot, local_slack, inbox)
    assert job_at(bot, clock, T0 + timedelta(days=1)) == 0  # on time: nothing to say
    late = T0 + timedelta(days=18)
    # the PO was due on 7 Nov and nothing came: it is late, so the lines are expected after
    # their 16 Nov promise (before: the past date stood and no delay notice was ever due)
    assert job_at(bot, clock, late) == 2
    assert send_all(bot, local_slack, "✉️ 2 delay notices ready for customers", "d") == (
        "Sent: 2 delay notices."
    )
    delayed = of_kind(mails(inbox, 4), "delayed")
    assert sorted(delayed) == [ANN, BOB]
    for to, message in delayed.items():
        text = plain(message)
        assert "supplier" in text and "late" in text  # the reason, in plain words
        assert link_in(message) == pages[to]
        assert max(dates_in(text)) > date(2026, 11, 16)  # the new date, past the promise

    # 3. Ann cancels from her email's link: her line is cancelled, its demand freed.
    assert "5" in waiting_chains(bot, local_slack, "before")
    chosen = post_choice(pages[ANN], "cancel")
    assert chosen.status == 303
    assert bot.bot.backorders.order("1001")[0].waiting_units == 0
    assert bot.bot.backorders.sku("CHAIN").waiting_units == 3
    after = waiting_chains(bot, local_slack, "after")
    assert "#1001" not in after and "#1002" in after
    settle(bot)
    eventually(lambda: any(told_of_cancel(m.params) for m in local_slack.messages()))
    assert "Cancelled" in page_text(pages[ANN])

    # 4. The goods arrive: Bob's line fills and he hears it is on its way, unasked; Ann does not.
    receive(bot, local_slack, po_message, 5)
    eventually(lambda: bot.bot.backorders.order("1002")[0].waiting_units == 0)
    assert job_at(bot, clock, late + timedelta(hours=1)) == 1
    on_its_way = of_kind(mails(inbox, 5), "on_its_way")
    assert list(on_its_way) == [BOB]
    assert "Bob" in plain(on_its_way[BOB]) and "Ann" not in plain(on_its_way[BOB])
    assert "Ready to ship" in page_text(pages[BOB])

    # 5. Over the whole story: one email of each kind each customer was owed, never two.
    assert job_at(bot, clock, late + timedelta(days=2)) == 0
    told = sorted((heard(m).to, heard(m).kind) for m in customer_mail(inbox))
    assert told == [
        (ANN, "backordered"),
        (ANN, "delayed"),
        (BOB, "backordered"),
        (BOB, "delayed"),
        (BOB, "on_its_way"),
    ]
