"""Customer notice batches in Slack, end to end on SQLite and PostgreSQL: orders arrive by signed
webhook, `customers.notice_delay` passes on the bot's clock, the `customer_notices` job puts one
message to the channel ("2 backorder notices ready · Preview · Send all · Skip"), and signed
clicks decide it: approvers only, once however often or however many at a time, never on a
message older than the batch; every customer gets one email over real SMTP."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_bot
from bot.config import parse_config
from bot.console.local_slack import LocalSlack
from bot.facade import utc_now
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from handlers.blocks.customer_notices import PREVIEW, SEND_ALL, SKIP
from storage.db import Database
from tests.e2e.conftest import SECRETS, RunningBot
from tests.e2e.test_console_repl import ROOT, console, env, send_order  # noqa: F401 (env)
from tests.e2e.test_purchase_orders import answer, buttons, click, deliver
from tests.support.builders import T0, catalog, minutes
from tests.support.http import generic_order, request, signed_generic
from tests.support.slack import SIGNING_SECRET
from tests.support.smtp import Inbox, smtp_server

APPROVER = "U012ABCDEF"  # slack.approvers below
CONFIG = {
    "slack": {"channel": "C0PURCHASE", "approvers": [APPROVER]},
    "customers": {
        "notice_delay": "10m",
        "notices": {"backordered": "approve"},
        "from": "Velo Shop <shop@velo.example>",
    },
}


class Clock:
    """The bot's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = T0 + minutes(1)

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def shop(database: Database, slack: LocalSlack) -> Iterator[tuple[RunningBot, Inbox, Clock]]:
    """The bot serving on a loopback port, Slack and SMTP local; no chains in stock."""
    clock = Clock()
    with smtp_server() as (inbox, smtp_url):
        env = SECRETS | {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "SMTP_URL": smtp_url,
        }
        bot = build_bot(
            settings_from_env(env), parse_config(CONFIG), clock, database, outbox_pace_s=0.05
        )
        bot.worker.clock = utc_now  # type: ignore[union-attr]  # pacing and retries in real time
        bot.worker.backoff_base_s = 0.1  # type: ignore[union-attr]
        bot.backorders.import_catalog(catalog(("CHAIN", 0)))
        server = HttpServer(bot.http, "127.0.0.1", 0, threads=8)
        server.start_in_thread()
        bot.start_background()
        try:
            yield RunningBot(bot, f"http://127.0.0.1:{server.port}"), inbox, clock
        finally:
            bot.stop_background()
            server.close()


@pytest.fixture
def running(
    database: Database, local_slack: LocalSlack
) -> Iterator[tuple[RunningBot, Inbox, Clock]]:
    with shop(database, local_slack) as running:
        yield running


def order_in(bot: RunningBot, number: str, placed: datetime, **fields: Any) -> None:
    """A signed store webhook: `number` waits for a chain."""
    body = generic_order(number, ("CHAIN", 1), placed_at=placed.isoformat(), **fields)
    reply = request(f"{bot.url}/webhooks/orders", body, signed_generic(body))
    assert reply.status == 200, reply.body


def notices_job(bot: RunningBot, clock: Clock, at: timedelta) -> int:
    """The `customer_notices` job, run at T0 + `at`; the outbox worker then delivers."""
    clock.now = T0 + at
    written = int(bot.bot.backorders.send_customer_notices())
    deliver(bot)
    return written


def batch_messages(slack: LocalSlack) -> list[dict[str, Any]]:
    """Each batch message as the channel shows it now, oldest first: posted, then updated."""
    shown = {
        str(post.response["ts"]): post.params
        for post in slack.messages()
        if "notice" in post.params["text"]
    }
    for update in slack.calls("chat.update"):
        if update.delivered and update.params.get("ts") in shown:
            shown[update.params["ts"]] = update.params
    return list(shown.values())


def emailed(inbox: Inbox) -> list[str]:
    return sorted(str(m["To"]) for m in inbox.messages)


def clicks_at_once(bot: RunningBot, slack: LocalSlack, value: str, names: list[str]) -> list[str]:
    start = threading.Barrier(len(names))

    def send_all(name: str) -> int:
        start.wait()
        return click(bot, slack, SEND_ALL, value, APPROVER, name).status

    with ThreadPoolExecutor(len(names)) as pool:
        assert list(pool.map(send_all, names)) == [200] * len(names)
    return [answer(slack, name)["text"] for name in names]


def test_a_batch_is_put_to_approvers_and_sent_once_on_what_they_saw(
    running: tuple[RunningBot, Inbox, Clock], local_slack: LocalSlack
) -> None:
    bot, inbox, clock = running
    order_in(bot, "1001", T0, customer_email="ann@example.com", customer_first_name="Ann")
    order_in(bot, "1002", T0, customer_email="bob@example.com")
    order_in(bot, "1003", T0, customer_email="tess@example.com", test=True)  # a test order
    order_in(bot, "1004", T0)  # no email: nobody to tell
    assert notices_job(bot, clock, minutes(5)) == 0  # notice_delay not yet past
    assert batch_messages(local_slack) == []
    assert notices_job(bot, clock, minutes(11)) == 2
    [message] = batch_messages(local_slack)
    assert message["text"] == "✉️ 2 backorder notices ready for customers"
    first = buttons(message)
    assert list(first) == [PREVIEW, SEND_ALL, SKIP]

    click(bot, local_slack, SEND_ALL, first[SEND_ALL], "U0STRANGER", "stranger")
    refused = answer(local_slack, "stranger")
    assert refused["text"] == "Only approvers can send or skip customer notices."
    assert refused["response_type"] == "ephemeral"

    click(bot, local_slack, PREVIEW, first[PREVIEW], APPROVER, "preview")
    preview = answer(local_slack, "preview")
    assert preview["response_type"] == "ephemeral"
    assert "1001" in preview["text"] and "1002" not in preview["text"]  # one email, Ann's

    order_in(bot, "1005", T0 + minutes(12), customer_email="cy@example.com")
    assert notices_job(bot, clock, minutes(23)) == 1  # joins the open batch
    [message] = batch_messages(local_slack)
    assert message["text"] == "✉️ 3 backorder notices ready for customers"
    click(bot, local_slack, SEND_ALL, first[SEND_ALL], APPROVER, "stale")
    stale = answer(local_slack, "stale")
    assert stale["response_type"] == "ephemeral"
    assert stale["text"].startswith(
        "This batch changed since you saw it: it now holds 3 notices. Here it is as it stands"
    )
    assert buttons(stale) == buttons(message) != first  # the batch as it stands, to decide
    deliver(bot)
    assert inbox.messages == []

    replies = clicks_at_once(bot, local_slack, buttons(message)[SEND_ALL], ["a", "b"])
    click(bot, local_slack, SEND_ALL, buttons(message)[SEND_ALL], APPROVER, "again")
    replies.append(answer(local_slack, "again")["text"])
    assert sorted(replies) == [
        f"Already decided by <@{APPROVER}>: nothing more is sent.",
        f"Already decided by <@{APPROVER}>: nothing more is sent.",
        "Sent: 3 backorder notices.",
    ]
    inbox.wait_for(3)
    deliver(bot)
    assert emailed(inbox) == ["ann@example.com", "bob@example.com", "cy@example.com"]
    [message] = batch_messages(local_slack)
    assert message["text"] == f"✉️ 3 backorder notices sent by <@{APPROVER}>"
    assert buttons(message) == {}


def test_a_skipped_batch_emails_nobody(
    running: tuple[RunningBot, Inbox, Clock], local_slack: LocalSlack
) -> None:
    bot, inbox, clock = running
    order_in(bot, "1001", T0, customer_email="ann@example.com")
    assert notices_job(bot, clock, minutes(11)) == 1
    [message] = batch_messages(local_slack)
    click(bot, local_slack, SKIP, buttons(message)[SKIP], APPROVER, "skip")
    assert answer(local_slack, "skip")["text"] == "Skipped: 1 backorder notice."
    click(bot, local_slack, SEND_ALL, buttons(message)[SEND_ALL], APPROVER, "send")
    assert "Already decided" in answer(local_slack, "send")["text"]
    deliver(bot)
    [message] = batch_messages(local_slack)
    assert message["text"] == f"✉️ 1 backorder notice skipped by <@{APPROVER}>"
    assert inbox.messages == []
    assert json.loads(request(f"{bot.url}/healthz").body)["ok"] is True


def test_in_the_console_press_send_all_sends_the_batch(
    env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    """`python -m bot console` with notice_delay "0": an order with an email, the job run from
    another process, and `press Send all` on the batch it prints."""
    config = (ROOT / "app.yaml").read_text(encoding="utf-8")
    assert 'notice_delay: "10m"' in config
    (tmp_path / "app.yaml").write_text(config.replace('"10m"', '"0"', 1), encoding="utf-8")
    order = json.loads((ROOT / "examples" / "order.json").read_bytes())
    order |= {"placed_at": utc_now().isoformat(), "customer_email": "alex@example.com"}
    with smtp_server() as (inbox, smtp_url):
        values = env | {"SMTP_URL": smtp_url, "BOT_CONFIG": str(tmp_path / "app.yaml")}
        with console(values) as terminal:
            send_order(values, json.dumps(order).encode())
            ran = subprocess.run(
                [sys.executable, "-m", "bot", "jobs", "run", "customer_notices"],
                cwd=ROOT,
                env=values,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert ran.returncode == 0, ran.stderr
            terminal.expect(
                r"✉️ 1 backorder notice ready for customers\n\[Preview\] \[Send all\] \[Skip\]"
            )
            terminal.line("press Send all")
            terminal.expect(r"Sent: 1 backorder notice\.")
            [mail] = inbox.wait_for(1)
    assert mail["To"] == "alex@example.com" and "1005" in str(mail.get_body())
