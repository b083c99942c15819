"""The Slack front door over real HTTP: signed requests in, Web API calls out to a local Slack."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl

from bot.console.local_slack import LocalSlack
from handlers.ids import Action
from tests.e2e.conftest import RunningBot
from tests.support.builders import T0, minutes
from tests.support.http import generic_order, request, signed_generic
from tests.support.slack import button_click, mention, post_to_slack_events, slash_command


def ask(bot: RunningBot, slack: LocalSlack, text: str, name: str = "reply") -> dict[str, Any]:
    """Send `/backorders <text>`; the ack must be empty, the answer comes to the response URL."""
    reply = post_to_slack_events(bot.url, slash_command(text, slack.response_url(name)))
    assert (reply.status, reply.body) == (200, b"")
    slack.wait_for(lambda calls: any(c.name == name for c in calls))
    [answer] = slack.responses(name)
    return answer.params


def order_in(bot: RunningBot, order_id: str, *lines: tuple[str | None, int]) -> None:
    body = generic_order(order_id, *lines)
    assert request(f"{bot.url}/webhooks/orders", body, signed_generic(body)).status == 200


def test_status_is_acknowledged_empty_then_answered_only_to_the_asker(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    order_in(slack_bot, "1001", ("CHAIN", 4), ("TUBE", 5))
    answer = ask(slack_bot, local_slack, "status")
    assert answer["response_type"] == "ephemeral"
    text = str(answer["blocks"])
    assert "Acme" in text and "6 units" in text
    assert any(block["type"] == "actions" for block in answer["blocks"])


def test_a_sku_question_lists_the_oldest_waiting_customers_first(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    order_in(slack_bot, "2002", ("CHAIN", 1))
    order_in(slack_bot, "2001", ("CHAIN", 2))
    answer = str(ask(slack_bot, local_slack, "sku CHAIN")["blocks"])
    assert answer.index("#2002") < answer.index("#2001")  # same placed time: arrival order


def test_unknown_things_get_a_polite_ephemeral_answer_not_a_trace(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    missing = ask(slack_bot, local_slack, "sku NOPE", name="missing")
    assert "NOPE" in missing["text"] and "Traceback" not in str(missing)
    unknown = ask(slack_bot, local_slack, "frobnicate", name="unknown")
    assert "frobnicate" in unknown["text"] and "/backorders status" in str(unknown["blocks"])
    bare = ask(slack_bot, local_slack, "sku", name="bare")
    assert "Which SKU?" in bare["text"]


def test_bad_or_stale_signatures_are_refused(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    body = slash_command("status", local_slack.response_url())
    assert post_to_slack_events(slack_bot.url, body, secret="wrong").status == 401
    assert post_to_slack_events(slack_bot.url, body, age_s=6 * 60).status == 401
    assert local_slack.responses() == []


def test_share_in_channel_posts_the_answer_for_everyone(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    order_in(slack_bot, "1001", ("CHAIN", 4))
    click = button_click(Action.SHARE_REPLY, "supplier acme", local_slack.response_url("share"))
    assert post_to_slack_events(slack_bot.url, click).status == 200
    local_slack.wait_for(lambda calls: any(c.name == "share" for c in calls))
    [shared] = local_slack.responses("share")
    assert shared.params["response_type"] == "in_channel"
    assert "CHAIN" in str(shared.params["blocks"])
    assert "shared by <@WJC6QG0MS>" in shared.params["text"]


def test_a_mention_is_answered_in_its_thread_once_however_often_slack_retries(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    body = mention("status", event_id="Ev0001")
    first = post_to_slack_events(slack_bot.url, body)
    retry = post_to_slack_events(slack_bot.url, body, **{"X-Slack-Retry-Num": "1"})
    assert (first.status, retry.status) == (200, 200)
    [reply] = local_slack.wait_for(
        lambda calls: len([c for c in calls if c.method == "chat.postMessage"]) >= 1
    )[-1:]
    assert reply.params["thread_ts"] == "1595926230.009600"
    post_to_slack_events(slack_bot.url, mention("help", event_id="Ev0002"))
    local_slack.wait_for(
        lambda calls: len([c for c in calls if c.method == "chat.postMessage"]) >= 2
    )
    assert len(local_slack.calls("chat.postMessage")) == 2


def test_new_backorders_are_summarised_in_one_channel_message_per_batch(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    order_in(slack_bot, "1001", ("CHAIN", 4))
    order_in(slack_bot, "1002", ("LIGHT", 2), (None, 1))
    order_in(slack_bot, "1003", ("TUBE", 1))  # from stock: nothing to say
    slack_bot.bot.backorders.flush_summaries()
    slack_bot.bot.worker.wake()  # type: ignore[union-attr]
    local_slack.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls))
    [summary] = local_slack.messages("C0PURCHASE")
    text = str(summary.params["blocks"])
    assert "#1001" in text and "#1002" in text and "#1003" not in text
    assert "no SKU" in text
    slack_bot.bot.backorders.flush_summaries()  # nothing new: no second message
    assert len(local_slack.messages("C0PURCHASE")) == 1


def test_export_posts_a_workbook_of_open_backorders_to_the_channel(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    order_in(slack_bot, "1001", ("CHAIN", 4), ("LIGHT", 1))
    answer = ask(slack_bot, local_slack, "export", name="export")
    assert "on its way" in answer["text"]
    slack_bot.bot.worker.wake()  # type: ignore[union-attr]
    local_slack.wait_for(
        lambda calls: any(c.method == "files.completeUploadExternal" for c in calls)
    )
    [upload] = local_slack.uploads.values()
    sheet = openpyxl.load_workbook(io.BytesIO(upload.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[3], r[8]) for r in rows] == [("#1001", "CHAIN", 4), ("#1001", "LIGHT", 1)]
    assert upload.channel_id == "C2147483705"


def test_the_summary_ages_come_from_the_bot_clock(slack_bot: RunningBot) -> None:
    assert slack_bot.bot.backorders.now() == T0 + minutes(1)


def test_digest_posts_the_weekly_digest_with_its_workbook_in_the_thread(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    order_in(slack_bot, "1001", ("CHAIN", 4))
    answer = ask(slack_bot, local_slack, "digest", name="digest")
    assert "on its way" in answer["text"]
    slack_bot.bot.worker.wake()  # type: ignore[union-attr]
    local_slack.wait_for(lambda calls: any(c.method.startswith("files.complete") for c in calls))
    [digest] = [m for m in local_slack.messages("C0PURCHASE") if "digest" in m.params["text"]]
    assert "4 units" in json.dumps(digest.params["blocks"])
    [upload] = local_slack.uploads.values()
    assert upload.thread_ts == digest.response["ts"]
    book = openpyxl.load_workbook(io.BytesIO(upload.content))
    assert "Open lines" in book.sheetnames


def test_an_order_answer_shows_each_waiting_lines_journey_and_expected_date(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    order_in(slack_bot, "1001", ("CHAIN", 4), ("TUBE", 1))
    blocks = json.dumps(ask(slack_bot, local_slack, "order 1001", name="journey")["blocks"])
    assert "CHAIN" in blocks and "backordered" in blocks and "expected about" in blocks
    supplier = json.dumps(ask(slack_bot, local_slack, "supplier acme", name="lead")["blocks"])
    assert "Lead time" in supplier and "as configured" in supplier
