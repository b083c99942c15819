"""A PO's card over real HTTP, as its state moves: an email that may have gone (Mark sent,
Send again), then goods arriving in part and the rest closed. Signed clicks in; the local
Slack and a real SMTP server out."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.console.local_slack import LocalSlack
from bot.console.slack_signing import interactive_body
from handlers.ids import Action, BlockId, Callback
from storage.db import Database
from tests.e2e.conftest import RunningBot
from tests.e2e.test_purchase_orders import (
    APPROVER,
    answer,
    buttons,
    click,
    deliver,
    eventually,
    inbox,  # noqa: F401  # the fixture
    order_in,
    proposal,
    shop,  # noqa: F401  # the fixture
)
from tests.support.slack import fixture, post_to_slack_events, slash_command
from tests.support.smtp import Inbox


@pytest.fixture
def acme(database: Database, request: pytest.FixtureRequest) -> tuple[RunningBot, Inbox]:
    """test_purchase_orders' shop (Acme, emailed at orders@acme.test) and its SMTP inbox, on
    each kind of database."""
    return request.getfixturevalue("shop"), request.getfixturevalue("inbox")[0]


def card(slack: LocalSlack) -> dict[str, Any]:
    """The PO's card as the channel reads it now: its first post, as last updated."""
    [post] = [c for c in slack.calls("chat.postMessage") if "thread_ts" not in c.params][:1]
    ts = post.response["ts"]
    updates = [c for c in slack.calls("chat.update") if c.delivered and c.params["ts"] == ts]
    return (updates[-1] if updates else post).params


def text(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def thread(slack: LocalSlack) -> str:
    return " ".join(json.dumps(m.params, ensure_ascii=False) for m in slack.messages())


def approved(bot: RunningBot, slack: LocalSlack) -> None:
    """Order 1001 waits for 5 chains: a PO for a case of 6, approved in Slack."""
    order_in(bot, "1001", ("CHAIN", 5))
    value = buttons(proposal(bot, slack))[Action.APPROVE_PO]
    click(bot, slack, Action.APPROVE_PO, value, APPROVER, "approve")
    assert "Approved: PO-0001" in answer(slack, "approve")["text"]


def email_in_doubt(bot: RunningBot, slack: LocalSlack, mail: Inbox) -> dict[str, Any]:
    """The mail server takes the email, then recording that fails once: the next try cannot
    tell whether it went, so it asks a person instead of emailing the supplier twice."""
    assert bot.bot.deliveries is not None
    records = bot.bot.deliveries.records
    assert records is not None
    recorded, failures = records.emailed, ["the database went away"]

    def emailed(message: Any, result: dict[str, Any]) -> None:
        if failures:
            raise RuntimeError(failures.pop())
        recorded(message, result)

    records.emailed = emailed
    approved(bot, slack)
    mail.wait_for(1)
    eventually(lambda: bot.bot.backorders.open_pos()[0].in_doubt is not None)
    deliver(bot)
    return card(slack)


def test_an_email_that_may_have_gone_is_on_the_card_with_mark_sent_and_send_again(
    acme: tuple[RunningBot, Inbox], local_slack: LocalSlack
) -> None:
    bot, mail = acme
    shown = email_in_doubt(bot, local_slack, mail)
    assert "⚠️ The email to orders@acme.test may have gone at" in text(shown)
    assert "check with the supplier before sending again" in text(shown)
    [po] = bot.bot.backorders.open_pos()
    assert buttons(shown) == {
        Action.MARK_PO_SENT: f"{po.po_id}:{po.version}",
        Action.SEND_PO_AGAIN: f"{po.po_id}:{po.version}",
        Action.RECEIVE_PO: str(po.po_id),
    }
    assert "*Mark sent* (they have it) or *Send again*" in thread(local_slack)
    assert len(mail.messages) == 1


def test_mark_sent_records_the_po_sent_by_hand_and_emails_nothing_more(
    acme: tuple[RunningBot, Inbox], local_slack: LocalSlack
) -> None:
    bot, mail = acme
    value = buttons(email_in_doubt(bot, local_slack, mail))[Action.MARK_PO_SENT]
    click(bot, local_slack, Action.MARK_PO_SENT, value, APPROVER, "mark")
    assert "Marked sent" in answer(local_slack, "mark")["text"]
    click(bot, local_slack, Action.MARK_PO_SENT, value, APPROVER, "again")  # a double click
    assert "nothing" in answer(local_slack, "again")["text"]
    [po] = bot.bot.backorders.open_pos()
    assert (po.status, po.in_doubt) == ("sent", None) and po.expected_at is not None
    deliver(bot)
    shown = card(local_slack)
    assert "The email to" not in text(shown) and "Marked sent by <@U012ABCDEF>" in text(shown)
    assert set(buttons(shown)) == {Action.RECEIVE_PO}
    assert "📤 Marked sent by <@U012ABCDEF>." in thread(local_slack)
    assert len(mail.messages) == 1  # the supplier got one email, no more


def test_send_again_emails_once_more_however_often_it_is_clicked(
    acme: tuple[RunningBot, Inbox], local_slack: LocalSlack
) -> None:
    bot, mail = acme
    value = buttons(email_in_doubt(bot, local_slack, mail))[Action.SEND_PO_AGAIN]
    start = threading.Barrier(4)

    def send_again(i: int) -> int:
        start.wait()
        return click(bot, local_slack, Action.SEND_PO_AGAIN, value, APPROVER, f"c{i}").status

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(send_again, range(4))) == [200] * 4
    replies = [answer(local_slack, f"c{i}")["text"] for i in range(4)]
    assert sum("Sending PO-0001 to Acme again" in reply for reply in replies) == 1
    second = mail.wait_for(2)[1]
    assert second["To"] == "orders@acme.test" and "PO-0001" in second["Subject"]
    eventually(lambda: bot.bot.backorders.open_pos()[0].status == "sent")
    deliver(bot)
    assert len(mail.messages) == 2  # one more email, not four
    assert "📧 Sent again to orders@acme.test by <@U012ABCDEF>." in thread(local_slack)
    assert set(buttons(card(local_slack))) == {Action.RECEIVE_PO}


def test_a_non_approver_cannot_mark_sent_or_send_again(
    acme: tuple[RunningBot, Inbox], local_slack: LocalSlack
) -> None:
    bot, mail = acme
    shown = email_in_doubt(bot, local_slack, mail)
    for action in (Action.MARK_PO_SENT, Action.SEND_PO_AGAIN):
        click(bot, local_slack, action, buttons(shown)[action], "U0STRANGER", action)
        assert "Only approvers can" in answer(local_slack, action)["text"]
    [po] = bot.bot.backorders.open_pos()
    assert (po.status, po.in_doubt is not None) == ("approved", True)
    deliver(bot)
    assert len(mail.messages) == 1


def receive(bot: RunningBot, slack: LocalSlack, values: dict[str, Any], view_id: str) -> None:
    """The Receive form, opened from the card's button, submitted with `values`."""
    click(bot, slack, Action.RECEIVE_PO, buttons(card(slack))[Action.RECEIVE_PO], APPROVER, view_id)
    slack.wait_for(lambda calls: any(c.method == "views.open" for c in calls))
    modal = slack.calls("views.open")[-1].params["view"]
    [line] = [b["block_id"] for b in modal["blocks"] if b.get("block_id", "").startswith("line:")]
    payload = fixture("view_submission.json")
    payload["user"]["id"] = APPROVER
    state = {line if k == "line" else k: v for k, v in values.items()}
    payload["view"] |= {
        "id": view_id,
        "hash": view_id,
        "callback_id": Callback.RECEIVE_PO,
        "private_metadata": modal["private_metadata"],
        "state": {"values": state},
    }
    assert post_to_slack_events(bot.url, interactive_body(payload)).status == 200


def test_a_partly_received_po_reads_so_keeps_receive_and_closed_says_what_never_came(
    acme: tuple[RunningBot, Inbox], local_slack: LocalSlack
) -> None:
    bot, mail = acme
    approved(bot, local_slack)
    mail.wait_for(1)
    eventually(lambda: bot.bot.backorders.open_pos()[0].status == "sent")
    deliver(bot)
    three = {"line": {Action.QUANTITY: {"type": "plain_text_input", "value": "3"}}}
    receive(bot, local_slack, three, "V0PART")
    eventually(lambda: bot.bot.backorders.open_pos()[0].lines[0].received == 3)
    deliver(bot)
    shown = text(card(local_slack))
    assert "Partly received: 3 of 6 units arrived; 3 outstanding (3 CHAIN)" in shown
    assert "3 arrived, 3 outstanding" in shown
    assert Action.RECEIVE_PO in buttons(card(local_slack))
    post_to_slack_events(bot.url, slash_command("pos", local_slack.response_url("pos")))
    assert "partly received*: 3 of 6 units arrived, 3 outstanding" in text(
        answer(local_slack, "pos")
    )
    rest = {BlockId.CLOSE_REST: {Action.CLOSE_REST: {"selected_options": [{"value": "x"}]}}}
    receive(bot, local_slack, rest, "V0CLOSE")
    eventually(lambda: not bot.bot.backorders.open_pos())
    deliver(bot)
    shown = text(card(local_slack))
    assert "Closed: 3 units never came (closed by <@U012ABCDEF>)" in shown
    assert "Partly received" not in shown and buttons(card(local_slack)) == {}
