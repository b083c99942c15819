"""PO proposals approved in Slack, end to end: signed clicks in, Slack and SMTP out."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from bot.console.local_slack import LocalSlack
from bot.console.slack_signing import interactive_body
from domain.model import Catalog, Product, Supplier
from handlers.ids import Action, Callback
from storage.db import Database
from tests.e2e.conftest import RunningBot, serving_slack_bot
from tests.e2e.test_cli import free_port
from tests.support.http import Reply, generic_order, request, signed_generic
from tests.support.slack import button_click, fixture, post_to_slack_events, slash_command
from tests.support.smtp import Inbox, attachment, smtp_server

APPROVER = "U012ABCDEF"  # slack.approvers in the e2e config
HYPERLINK = '=HYPERLINK("http://x","y")'
SKUS = ("CHAIN", "LIGHT")


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, str]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def shop(
    database: Database, local_slack: LocalSlack, inbox: tuple[Inbox, str]
) -> Iterator[RunningBot]:
    """Acme (minimum 5 units, with an email) sells a chain (case of 6) and a light."""
    with serving_slack_bot(database, local_slack, SMTP_URL=inbox[1]) as bot:
        bot.bot.worker.backoff_base_s = 0.1  # type: ignore[union-attr]
        bot.bot.backorders.import_catalog(
            Catalog(
                (Supplier("Acme", "orders@acme.test", 5, 5),),
                (
                    Product("CHAIN", "11-speed chain", "Acme", 0, 6, Decimal("18.90")),
                    Product("LIGHT", HYPERLINK, "Acme", 0, 1, Decimal("14.30")),
                ),
            )
        )
        yield bot


def order_in(bot: RunningBot, order_id: str, *lines: tuple[str, int]) -> None:
    body = generic_order(order_id, *lines)
    assert request(f"{bot.url}/webhooks/orders", body, signed_generic(body)).status == 200


def deliver(bot: RunningBot, timeout: float = 15) -> None:
    """Wait until the outbox worker has delivered everything queued so far."""
    assert bot.bot.worker is not None
    deadline = time.monotonic() + timeout
    while bot.bot.outbox.backlog()[0]:
        assert time.monotonic() < deadline, "the outbox did not drain"
        bot.bot.worker.wake()
        time.sleep(0.02)


def proposal(bot: RunningBot, slack: LocalSlack) -> dict[str, Any]:
    """The proposal message as Slack has it: posted, then updated in place."""
    bot.bot.backorders.check_buffers()
    deliver(bot)
    slack.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls))
    [post] = [m for m in slack.messages() if "thread_ts" not in m.params]
    updates = [c for c in slack.calls("chat.update") if c.delivered]
    return (updates[-1] if updates else post).params


def eventually(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "it did not happen in time"
        time.sleep(0.02)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {
        element["action_id"]: element["value"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def click(
    bot: RunningBot, slack: LocalSlack, action: str, value: str, user: str, name: str
) -> Reply:
    body = button_click(action, value, slack.response_url(name))
    body = body.replace("WJC6QG0MS", user)
    return post_to_slack_events(bot.url, body)


def answer(slack: LocalSlack, name: str) -> dict[str, Any]:
    slack.wait_for(lambda calls: any(c.name == name for c in calls))
    return slack.responses(name)[-1].params


def test_a_buffer_at_its_minimum_is_proposed_with_approve_adjust_and_hold(
    shop: RunningBot, local_slack: LocalSlack
) -> None:
    order_in(shop, "1001", ("CHAIN", 4))
    assert shop.bot.backorders.check_buffers() == []  # 4 of 5: not yet
    order_in(shop, "1002", ("LIGHT", 1))
    message = proposal(shop, local_slack)
    [po] = shop.bot.backorders.open_pos()
    assert buttons(message) == {
        Action.APPROVE_PO: f"{po.po_id}:1",
        Action.ADJUST_PO: f"{po.po_id}:1",
        Action.HOLD_PO: f"{po.po_id}:1",
    }
    text = str(message["blocks"])
    assert "CHAIN" in text and "order 6" in text and "+2 to stock" in text


def test_a_non_approver_is_refused_and_nothing_changes(
    shop: RunningBot, local_slack: LocalSlack
) -> None:
    order_in(shop, "1001", ("CHAIN", 5))
    value = buttons(proposal(shop, local_slack))[Action.APPROVE_PO]
    assert click(shop, local_slack, Action.APPROVE_PO, value, "U0STRANGER", "refused").status == 200
    assert "Only approvers" in answer(local_slack, "refused")["text"]
    [po] = shop.bot.backorders.open_pos()
    assert (po.status, po.number) == ("proposed", None)


def test_many_approve_clicks_at_once_make_one_po_one_email_and_one_file(
    shop: RunningBot, local_slack: LocalSlack, inbox: tuple[Inbox, str]
) -> None:
    order_in(shop, "1001", ("CHAIN", 4), ("LIGHT", 2))
    value = buttons(proposal(shop, local_slack))[Action.APPROVE_PO]
    start = threading.Barrier(8)

    def approve(i: int) -> Reply:
        start.wait()
        return click(shop, local_slack, Action.APPROVE_PO, value, APPROVER, f"click{i}")

    with ThreadPoolExecutor(8) as pool:
        assert [r.status for r in pool.map(approve, range(8))] == [200] * 8
    replies = [answer(local_slack, f"click{i}")["text"] for i in range(8)]
    assert sum("Approved: PO-0001" in text for text in replies) == 1
    deliver(shop)
    [mail] = inbox[0].wait_for(1)
    assert mail["To"] == "orders@acme.test" and "PO-0001" in mail["Subject"]
    name, content = attachment(mail)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = {
        row[0]: row for row in sheet.iter_rows(values_only=True) if row[0] in ("CHAIN", "LIGHT")
    }
    assert (rows["CHAIN"][2], rows["LIGHT"][2]) == (6, 2)
    local_slack.wait_for(
        lambda calls: any(c.method == "files.completeUploadExternal" for c in calls)
    )
    assert len(local_slack.uploads) == 1 and name == "PO-0001.xlsx"
    [po] = shop.bot.backorders.open_pos()
    assert (po.number, po.status) == ("PO-0001", "sent")
    inbox[0].wait_for(1)
    assert len(inbox[0].messages) == 1


def test_a_product_name_like_a_formula_lands_in_the_workbook_as_text(
    shop: RunningBot, local_slack: LocalSlack, inbox: tuple[Inbox, str]
) -> None:
    order_in(shop, "1001", ("LIGHT", 5))
    value = buttons(proposal(shop, local_slack))[Action.APPROVE_PO]
    click(shop, local_slack, Action.APPROVE_PO, value, APPROVER, "ok")
    answer(local_slack, "ok")
    deliver(shop)
    [mail] = inbox[0].wait_for(1)
    sheet = openpyxl.load_workbook(io.BytesIO(attachment(mail)[1])).active
    [cell] = [c for row in sheet.iter_rows() for c in row if c.value == HYPERLINK]
    assert cell.data_type == "s"


def test_a_click_on_an_older_version_is_refused_with_the_refreshed_proposal(
    shop: RunningBot, local_slack: LocalSlack
) -> None:
    order_in(shop, "1001", ("CHAIN", 5))
    old = buttons(proposal(shop, local_slack))[Action.APPROVE_PO]
    order_in(shop, "1002", ("CHAIN", 3))  # joins the open proposal: version 2
    fresh = buttons(proposal(shop, local_slack))[Action.APPROVE_PO]
    assert fresh != old and fresh.endswith(":2")
    click(shop, local_slack, Action.APPROVE_PO, old, APPROVER, "stale")
    reply = answer(local_slack, "stale")
    assert "changed" in reply["text"] and "8 waiting" in str(reply["blocks"])
    [po] = shop.bot.backorders.open_pos()
    assert (po.status, po.number) == ("proposed", None)


def test_hold_leaves_the_buffer_waiting_for_the_deadline_and_says_until_when(
    shop: RunningBot, local_slack: LocalSlack
) -> None:
    order_in(shop, "1001", ("CHAIN", 5))
    value = buttons(proposal(shop, local_slack))[Action.HOLD_PO]
    click(shop, local_slack, Action.HOLD_PO, value, APPROVER, "hold")
    assert "Held" in answer(local_slack, "hold")["text"]
    [po] = shop.bot.backorders.open_pos()
    assert po.status == "held" and po.hold_until is not None
    deliver(shop)
    held = proposal(shop, local_slack)
    assert buttons(held) == {} and "Held by" in json.dumps(held["blocks"])
    order_in(shop, "1002", ("CHAIN", 9))
    assert shop.bot.backorders.check_buffers() == []  # held: no early raise, no new proposal


def submit_adjust(
    bot: RunningBot, metadata: str, values: dict[str, str], note: str = "", blocks: Any = None
) -> Reply:
    payload = fixture("view_submission.json")
    state = {
        block: {Action.QUANTITY: {"type": "plain_text_input", "value": v}}
        for block, v in values.items()
    }
    state["note"] = {Action.NOTE: {"type": "plain_text_input", "value": note}}
    payload["user"]["id"] = APPROVER
    payload["view"] |= {
        "callback_id": Callback.ADJUST_PO,
        "private_metadata": metadata,
        "state": {"values": state},
    }
    if blocks is not None:  # Slack sends the modal's blocks back with what was typed
        payload["view"]["blocks"] = blocks
    return post_to_slack_events(bot.url, interactive_body(payload))


def test_adjust_opens_a_modal_refuses_bad_numbers_and_saves_good_ones(
    shop: RunningBot, local_slack: LocalSlack
) -> None:
    order_in(shop, "1001", ("CHAIN", 8), ("LIGHT", 1))
    value = buttons(proposal(shop, local_slack))[Action.ADJUST_PO]
    click(shop, local_slack, Action.ADJUST_PO, value, APPROVER, "adjust")
    local_slack.wait_for(lambda calls: any(c.method == "views.open" for c in calls))
    [opened] = local_slack.calls("views.open")
    modal = opened.params["view"]
    blocks = {b["block_id"]: b for b in modal["blocks"] if b["type"] == "input"}
    chain = next(k for k, b in blocks.items() if "CHAIN" in json.dumps(b))
    bad = submit_adjust(shop, modal["private_metadata"], {chain: "lots"}, blocks=modal["blocks"])
    assert bad.status == 200 and bad.json()["response_action"] == "errors"
    assert bad.json()["errors"][chain].startswith("CHAIN: “lots” is not a whole number")
    good = submit_adjust(shop, modal["private_metadata"], {chain: "5"}, note="Only 5 left")
    assert (good.status, good.body) == (200, b"")
    eventually(lambda: shop.bot.backorders.open_pos()[0].version == 2)  # saved after the ack
    [po] = shop.bot.backorders.open_pos()
    [line] = [line for line in po.lines if line.sku == "CHAIN"]
    assert (line.quantity, line.short) == (6, 2)  # 5 rounds up to the case of 6; 2 wait
    deliver(shop)
    assert "Only 5 left" in json.dumps(proposal(shop, local_slack)["blocks"])


def test_supplier_and_pos_show_the_open_proposal_and_the_pos_in_flight(
    shop: RunningBot, local_slack: LocalSlack
) -> None:
    order_in(shop, "1001", ("CHAIN", 5))
    proposal(shop, local_slack)
    body = slash_command("supplier acme", local_slack.response_url("supplier"))
    post_to_slack_events(shop.url, body)
    assert "Open proposal" in json.dumps(answer(local_slack, "supplier")["blocks"])
    post_to_slack_events(shop.url, slash_command("pos", local_slack.response_url("pos")))
    assert "waiting for approval" in json.dumps(answer(local_slack, "pos")["blocks"])


def test_an_smtp_outage_delays_the_email_and_the_thread_says_so(
    database: Database, local_slack: LocalSlack
) -> None:
    closed = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    with serving_slack_bot(database, local_slack, SMTP_URL=closed) as bot:
        bot.bot.backorders.import_catalog(
            Catalog(
                (Supplier("Acme", "orders@acme.test", 5, 0),),
                (Product("CHAIN", "11-speed chain", "Acme", 0, 6, Decimal("18.90")),),
            )
        )
        order_in(bot, "1001", ("CHAIN", 2))
        po = bot.bot.backorders.raise_po("Acme", APPROVER)
        click(bot, local_slack, Action.APPROVE_PO, f"{po.po_id}:1", APPROVER, "ok")
        local_slack.wait_for(
            lambda calls: any("could not be sent yet" in json.dumps(c.params) for c in calls), 20
        )
        [view] = bot.bot.backorders.open_pos()
        assert (view.number, view.status) == ("PO-0001", "approved")  # not sent: still trying
        note = next(
            m for m in local_slack.messages() if "could not be sent" in json.dumps(m.params)
        )
        assert note.params["thread_ts"]  # in the proposal's thread


def test_receive_from_the_button_fills_the_oldest_orders_and_the_channel_hears_who_ships(
    shop: RunningBot, local_slack: LocalSlack, inbox: tuple[Inbox, str]
) -> None:
    order_in(shop, "1001", ("CHAIN", 2))
    order_in(shop, "1002", ("CHAIN", 3))
    value = buttons(proposal(shop, local_slack))[Action.APPROVE_PO]
    click(shop, local_slack, Action.APPROVE_PO, value, APPROVER, "approve")
    answer(local_slack, "approve")
    inbox[0].wait_for(1)
    eventually(lambda: shop.bot.backorders.open_pos()[0].status == "sent")
    deliver(shop)
    receive = buttons(proposal(shop, local_slack))[Action.RECEIVE_PO]
    click(shop, local_slack, Action.RECEIVE_PO, receive, APPROVER, "receive")
    local_slack.wait_for(lambda calls: any(c.method == "views.open" for c in calls))
    modal = local_slack.calls("views.open")[-1].params["view"]
    [block] = [b["block_id"] for b in modal["blocks"] if b.get("block_id", "").startswith("line:")]
    payload = fixture("view_submission.json")
    payload["user"]["id"] = APPROVER
    payload["view"] |= {
        "callback_id": Callback.RECEIVE_PO,
        "private_metadata": modal["private_metadata"],
        "state": {"values": {block: {Action.QUANTITY: {"type": "plain_text_input", "value": "3"}}}},
    }
    assert post_to_slack_events(shop.url, interactive_body(payload)).status == 200
    eventually(lambda: shop.bot.backorders.order("1002")[0].waiting_units == 2)
    assert shop.bot.backorders.order("1001")[0].waiting_units == 0  # oldest first
    deliver(shop)
    texts = [json.dumps(m.params) for m in local_slack.messages()]
    assert any("#1001 is ready to ship" in t for t in texts)
    assert any("went to #1001 (2), #1002 (1)" in t for t in texts)
