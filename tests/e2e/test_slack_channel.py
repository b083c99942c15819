"""`slack.channel` as people write it (`#purchasing`) or as an ID, against a Slack that takes
only channel IDs: the bot finds the ID at start and says plainly when it cannot post there."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bot.app import build_bot
from bot.config import parse_config
from bot.console.local_slack import LocalSlack
from bot.facade import utc_now
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from handlers.ids import Action
from storage.db import Database
from tests.e2e.conftest import SECRETS, RunningBot
from tests.e2e.test_purchase_orders import APPROVER, answer, click, eventually
from tests.support.builders import T0, catalog, minutes
from tests.support.http import generic_order, request, signed_generic
from tests.support.slack import SIGNING_SECRET, post_to_slack_events, slash_command

POSTED = ("chat.postMessage", "chat.update", "files.completeUploadExternal")


@contextmanager
def bot_posting_to(
    database: Database, slack: LocalSlack, channel: str, **env: str
) -> Iterator[RunningBot]:
    """The bot in Slack HTTP mode with `slack.channel: <channel>`, Acme's chain in its catalog."""
    env = SECRETS | {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        **env,
    }
    config = parse_config({"slack": {"channel": channel, "approvers": [APPROVER]}})
    settings = settings_from_env(env)
    bot = build_bot(settings, config, lambda: T0 + minutes(1), database, outbox_pace_s=0.05)
    bot.worker.clock = utc_now  # type: ignore[union-attr]  # pacing and retries in real time
    bot.backorders.import_catalog(catalog(("CHAIN", 0, 6)))
    server = HttpServer(bot.http, "127.0.0.1", 0, threads=4)
    server.start_in_thread()
    bot.start_background()
    try:
        yield RunningBot(bot, f"http://127.0.0.1:{server.port}")
    finally:
        bot.stop_background()
        server.close()


def health(bot: RunningBot) -> dict[str, Any]:
    reply = request(f"{bot.url}/healthz")
    assert reply.status == 200  # degraded is said in the body: the webhooks are still taken
    return dict(reply.json())


def settled(bot: RunningBot) -> dict[str, Any]:
    """/healthz once the start-up check of the token and the channel is done."""
    eventually(lambda: health(bot)["slack_channel"]["state"] != "checking")
    return health(bot)


def channel_ids_used(slack: LocalSlack) -> set[str]:
    """Where every post, update and file share was addressed."""
    used = set()
    for call in slack.calls():
        if call.method in POSTED:
            used.add(str(call.params.get("channel") or call.params.get("channel_id")))
    return used


@pytest.fixture
def ids_only_slack() -> Iterator[LocalSlack]:
    with LocalSlack(channel_ids_only=True) as slack:
        yield slack


def test_a_channel_named_like_people_write_it_gets_the_proposal_its_update_and_its_workbook(
    database: Database, ids_only_slack: LocalSlack
) -> None:
    for n in range(250):  # more than one page of conversations.list
        ids_only_slack.add_channel(f"team-{n:03d}")
    purchasing = ids_only_slack.add_channel("purchasing", is_private=True)
    with bot_posting_to(database, ids_only_slack, "#purchasing") as shop:
        raised = raise_chain_po(shop)
        assert settled(shop)["slack_channel"] == {
            "configured": "#purchasing",
            "id": purchasing,
            "state": "ok",
        }
        approve(shop, ids_only_slack, raised)
        ids_only_slack.wait_for(
            lambda calls: any(c.method == "files.completeUploadExternal" for c in calls)
        )
        ids_only_slack.wait_for(
            lambda calls: any(c.method == "chat.update" and c.delivered for c in calls)
        )
    [upload] = ids_only_slack.uploads.values()
    assert upload.completed and upload.channel_id == purchasing and upload.thread_ts
    assert channel_ids_used(ids_only_slack) == {purchasing}
    assert all(c.delivered for c in ids_only_slack.calls() if c.method in POSTED)
    assert len(ids_only_slack.calls("conversations.list")) == 2


def raise_chain_po(shop: RunningBot) -> int:
    """An order for Acme's chain and a PO for it, queued for the channel; the PO's ID."""
    body = generic_order("1001", ("CHAIN", 2))
    assert request(f"{shop.url}/webhooks/orders", body, signed_generic(body)).status == 200
    return shop.bot.backorders.raise_po("Acme", APPROVER).po_id


def approve(shop: RunningBot, slack: LocalSlack, po_id: int) -> None:
    slack.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls))
    click(shop, slack, Action.APPROVE_PO, f"{po_id}:1", APPROVER, "approve")
    assert "Approved" in answer(slack, "approve")["text"]


def test_a_channel_that_does_not_exist_is_said_at_start_and_nothing_goes_to_its_name(
    database: Database, ids_only_slack: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    with bot_posting_to(database, ids_only_slack, "#purchasing-team") as shop:
        raise_chain_po(shop)
        found = settled(shop)
        assert shop.bot.outbox.backlog()[0] >= 1  # the proposal waits for a channel
    assert found["status"] == "degraded"
    assert found["slack_channel"] == {
        "configured": "#purchasing-team",
        "id": None,
        "state": "not found",
    }
    [line] = [r.getMessage() for r in caplog.records if "was not found" in r.getMessage()]
    assert "#purchasing-team (slack.channel in app.yaml)" in line and "/invite" in line
    assert channel_ids_used(ids_only_slack) == set()


def test_a_channel_the_bot_is_not_in_says_how_to_invite_it(
    database: Database, ids_only_slack: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    purchasing = ids_only_slack.add_channel("purchasing", is_member=False)
    with bot_posting_to(database, ids_only_slack, "purchasing") as shop:
        found = settled(shop)
    assert found["status"] == "degraded"
    assert found["slack_channel"] == {
        "configured": "purchasing",
        "id": purchasing,
        "state": "bot not in channel",
    }
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("invite the bot: /invite @Backorder Bot in #purchasing" in m for m in said)


def test_once_the_bot_is_invited_its_waiting_messages_go_without_a_restart(
    database: Database, ids_only_slack: LocalSlack
) -> None:
    ids_only_slack.add_channel("purchasing", is_private=True, is_member=False)
    with bot_posting_to(database, ids_only_slack, "#purchasing") as shop:
        raise_chain_po(shop)
        assert settled(shop)["slack_channel"]["state"] == "not found"  # private, not invited
        ids_only_slack.add_channel("purchasing", is_private=True)  # /invite @Backorder Bot
        shop.bot.slack_check.recheck_now()  # type: ignore[union-attr]  # not a minute from now
        eventually(lambda: health(shop)["slack_channel"]["state"] == "ok")
        eventually(lambda: shop.bot.outbox.backlog()[0] == 0)
        assert health(shop)["status"] == "ok"
    [proposal] = ids_only_slack.calls("chat.postMessage")
    assert proposal.delivered and "PO proposal" in proposal.params["text"]


def test_a_channel_id_is_used_as_it_is_and_checked(
    database: Database, ids_only_slack: LocalSlack
) -> None:
    purchasing = ids_only_slack.add_channel("purchasing")
    with bot_posting_to(database, ids_only_slack, purchasing) as shop:
        assert settled(shop)["slack_channel"]["state"] == "ok"
    with bot_posting_to(database, ids_only_slack, "C0NOSUCHONE") as shop:
        assert settled(shop)["slack_channel"]["state"] == "not found"
    assert ids_only_slack.calls("conversations.list") == []


def test_replies_link_the_channel_by_its_id_once_found_never_as_a_double_hash(
    database: Database, ids_only_slack: LocalSlack
) -> None:
    purchasing = ids_only_slack.add_channel("purchasing")
    with bot_posting_to(database, ids_only_slack, "#purchasing") as shop:
        settled(shop)
        body = generic_order("1001", ("CHAIN", 2))
        assert request(f"{shop.url}/webhooks/orders", body, signed_generic(body)).status == 200
        url = ids_only_slack.response_url("raise")
        post_to_slack_events(shop.url, slash_command("raise Acme", url, user_id=APPROVER))
        said = answer(ids_only_slack, "raise")["text"]
    assert f"proposed in <#{purchasing}|purchasing>" in said
