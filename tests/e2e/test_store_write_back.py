"""Over real HTTP, on SQLite and PostgreSQL: orders arrive by signed webhook, the customers are
told they wait, and the stores hear it too (`stores.write_back`): the WooCommerce fake gets one
customer note, the Shopify fake one `backordered` tag and one line in the order's note, however
often the job runs or the webhooks come again, and after a 500 that came once the store had
kept the write. Write-back off: the stores are not called. Refused keys: the note waits, /healthz
says why, and the customers' emails still go."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from bot.app import build_bot
from bot.config import parse_config
from bot.console.local_slack import LocalSlack
from bot.facade import utc_now
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from storage.db import Database
from storage.models import OutboxRow
from tests.e2e.conftest import SECRETS, RunningBot
from tests.support.builders import T0, catalog, minutes
from tests.support.http import base64_signature, fixture_bytes, fixture_headers, request
from tests.support.slack import SIGNING_SECRET
from tests.support.smtp import Inbox, smtp_server
from tests.support.store_apis import shopify_env, woocommerce_env
from tests.support.store_write_apis import WritableStore, writable_shopify, writable_woocommerce

SHOPIFY_ORDER = "1073459983"  # tests/fixtures/shopify/orders_create.json
WOO_ORDER = "727"  # tests/fixtures/woocommerce/order_created.wc-v3.json
SHOPIFY_DATES = {"created_at": "2026-11-02T08:00:00Z", "updated_at": "2026-11-02T08:00:00Z"}
WOO_DATES = {"date_created_gmt": "2026-11-02T08:00:00", "date_modified_gmt": "2026-11-02T08:00:00"}


def config(write_back: dict[str, bool] | None) -> Any:
    return parse_config(
        {
            "slack": {"channel": "C0PURCHASE", "approvers": ["U012ABCDEF"]},
            "stores": {"write_back": write_back} if write_back else {},
            "customers": {
                "notice_delay": "0",
                "notices": {"backordered": "auto"},
                "from": "Velo Shop <shop@velo.example>",
            },
        }
    )


@contextmanager
def shop(
    database: Database, write_back: dict[str, bool] | None, woo_secret: str | None = None
) -> Iterator[tuple[RunningBot, WritableStore, WritableStore, Inbox]]:
    """The bot with Slack, SMTP and both stores' fakes, serving on a loopback port."""
    with (
        LocalSlack() as slack,
        smtp_server() as (inbox, smtp_url),
        writable_shopify() as shopify,
        writable_woocommerce() as woo,
    ):
        env = SECRETS | shopify_env(shopify) | woocommerce_env(woo, woo_secret or "cs_test_secret")
        env |= {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "SMTP_URL": smtp_url,
        }
        bot = build_bot(
            settings_from_env(env),
            config(write_back),
            lambda: T0 + minutes(1),
            database,
            outbox_pace_s=0.05,
        )
        for worker in bot.workers:  # the store notes go on the mail worker
            worker.clock = utc_now
            worker.backoff_base_s = 0.2
        bot.backorders.import_catalog(catalog(("IPOD2009BLACK", 0), ("Bar3", 0, 6)))
        server = HttpServer(bot.http, "127.0.0.1", 0, threads=8)
        server.start_in_thread()
        bot.start_background()
        try:
            yield RunningBot(bot, f"http://127.0.0.1:{server.port}"), shopify, woo, inbox
        finally:
            bot.stop_background()
            server.close()


def orders_arrive(bot: RunningBot) -> None:
    """The fixtures' orders, placed this morning (so a line waits, not yet past its promise)."""
    for folder, name, path, dates, signature in (
        ("shopify", "orders_create.json", "shopify", SHOPIFY_DATES, "X-Shopify-Hmac-Sha256"),
        (
            "woocommerce",
            "order_created.wc-v3.json",
            "woocommerce",
            WOO_DATES,
            "X-WC-Webhook-Signature",
        ),
    ):
        data = json.loads(fixture_bytes(folder, name)) | dates
        body = json.dumps(data).encode()
        headers = fixture_headers(folder, name) | {signature: base64_signature(body)}
        reply = request(f"{bot.url}/webhooks/{path}", body, headers)
        assert reply.status == 200, reply.body


def until(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def store_notes_pending(database: Database) -> int:
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(OutboxRow.status).where(OutboxRow.kind == "store.order_note")
        ).all()
    return sum(1 for (status,) in rows if status == "pending")


def told_everyone(bot: RunningBot, inbox: Inbox) -> None:
    orders_arrive(bot)
    assert bot.bot.backorders.send_customer_notices() == 2
    inbox.wait_for(2)


def test_each_store_hears_once_that_its_customer_waits(database: Database) -> None:
    with shop(database, {"shopify": True, "woocommerce": True}) as (bot, shopify, woo, inbox):
        told_everyone(bot, inbox)
        until(lambda: len(woo.writes) == 1 and len(shopify.writes) == 2)
        orders_arrive(bot)  # the stores send the same orders again
        assert bot.bot.backorders.send_customer_notices() == 0
        until(lambda: store_notes_pending(database) == 0)

    [(what, order, note)] = woo.writes
    assert (what, order) == ("note", WOO_ORDER)
    # Our email told the customer: the staff's private note, which WooCommerce emails nobody
    # (a customer note would be a second email to the customer).
    assert note.startswith("Backorder Bot: customer told backordered")
    assert "Ship Your Idea" in note
    assert woo.notes[WOO_ORDER][0]["customer_note"] is False
    assert len(inbox.messages) == 2  # one email per customer, ours
    assert shopify.tags == {SHOPIFY_ORDER: ["backordered"]}
    [line] = shopify.note[SHOPIFY_ORDER].splitlines()
    assert line.startswith("Backorder Bot: customer told backordered")


def test_a_500_after_the_store_kept_the_write_still_writes_once(database: Database) -> None:
    with shop(database, {"shopify": True, "woocommerce": True}) as (bot, shopify, woo, inbox):
        woo.faults.append("500")  # the first read of the notes fails: tried again
        woo.write_faults.append("stored-500")  # the note is kept, the answer lost
        shopify.write_faults += ["stored-500", "stored-500"]  # the tag, then the note
        told_everyone(bot, inbox)
        until(lambda: store_notes_pending(database) == 0)

    assert [what for what, _, _ in woo.writes] == ["note"]
    assert len(woo.notes[WOO_ORDER]) == 1
    assert shopify.tags == {SHOPIFY_ORDER: ["backordered"]}
    assert [what for what, _, _ in shopify.writes] == ["tag", "note"]


def test_write_back_off_calls_no_store(database: Database) -> None:
    with shop(database, None) as (bot, shopify, woo, inbox):
        told_everyone(bot, inbox)

    assert (shopify.requests, woo.requests) == ([], [])
    assert store_notes_pending(database) == 0


def test_keys_the_store_refuses_hold_its_note_and_say_so_on_healthz(database: Database) -> None:
    with shop(database, {"woocommerce": True}, woo_secret="cs_wrong") as (bot, shopify, woo, inbox):
        told_everyone(bot, inbox)  # the customers' emails go all the same

        def refused() -> bool:
            health = json.loads(request(f"{bot.url}/healthz").body)
            return "woocommerce" in health.get("store_write_back", {})

        until(refused)
        health = json.loads(request(f"{bot.url}/healthz").body)
        assert health["status"] == "degraded"
        assert "WOOCOMMERCE_KEY" in health["store_write_back"]["woocommerce"]
        assert store_notes_pending(database) == 1

    assert woo.writes == [] and shopify.requests == []
