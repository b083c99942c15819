"""People win over machines, end to end: what a person set on a proposal is what the supplier
gets; jobs only say what waits beyond it. Signed Slack requests in, local Slack and SMTP out."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from sqlalchemy import event, select

from bot.console.local_slack import LocalSlack
from bot.facade import Backorders
from domain.model import Catalog, Product, Supplier
from domain.purchase_orders import Actor
from handlers.ids import Action
from storage.db import Database
from storage.models import PoEventRow
from tests.e2e.conftest import RunningBot, serving_slack_bot
from tests.e2e.test_purchase_orders import (
    APPROVER,
    answer,
    buttons,
    click,
    deliver,
    eventually,
    inbox,  # noqa: F401  # the fixture
    order_in,
    submit_adjust,
)
from tests.support.builders import T0, delivery, order
from tests.support.slack import post_to_slack_events, slash_command
from tests.support.smtp import Inbox, attachment

VELO = "Velo Parts Ltd"


class Clock:
    """The bot's injected clock: time moves when the test says so."""

    def __init__(self) -> None:
        self.at = T0 + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.at

    def move(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def velo_catalog() -> Catalog:
    return Catalog(
        (Supplier(VELO, "orders@velo.test", 5, 0),),
        (
            Product("BK-TUBE-700", "Inner tube 700x25c", VELO, 0, 12, Decimal("3.45")),
            Product("BK-PADS-DISC", "Disc brake pads", VELO, 0, 6, Decimal("7.15")),
        ),
    )


@pytest.fixture
def velo(
    database: Database,
    local_slack: LocalSlack,
    inbox: tuple[Inbox, str],  # noqa: F811
) -> Iterator[tuple[RunningBot, Clock]]:
    """Velo Parts Ltd (no minimum: only a person raises) with 13 tubes and 3 pads waiting."""
    clock = Clock()
    with serving_slack_bot(database, local_slack, SMTP_URL=inbox[1]) as bot:
        bot.bot.worker.backoff_base_s = 0.1  # type: ignore[union-attr]
        bot.bot.backorders.clock = clock
        bot.bot.backorders.import_catalog(velo_catalog())
        order_in(bot, "1001", ("BK-TUBE-700", 13))
        order_in(bot, "1002", ("BK-PADS-DISC", 3))
        yield bot, clock


def latest(slack: LocalSlack) -> dict[str, Any]:
    """The proposal as Slack now shows it: the post, or its last delivered update."""
    [post] = [m for m in slack.messages() if "thread_ts" not in m.params and "PO" in str(m.params)]
    updates = [c for c in slack.calls("chat.update") if c.delivered]
    return (updates[-1] if updates else post).params


def raise_velo(bot: RunningBot, slack: LocalSlack) -> dict[str, Any]:
    body = slash_command(f"raise {VELO}", slack.response_url("raise"))
    assert post_to_slack_events(bot.url, body).status == 200
    answer(slack, "raise")
    deliver(bot)
    slack.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls))
    return latest(slack)


def adjust(bot: RunningBot, slack: LocalSlack, message: dict[str, Any], **entries: str) -> Any:
    """Open the Adjust form from the message and save `entries` (SKU=quantity) with a note."""
    click(bot, slack, Action.ADJUST_PO, buttons(message)[Action.ADJUST_PO], APPROVER, "adjust")
    slack.wait_for(lambda calls: any(c.method == "views.open" for c in calls))
    modal = slack.calls("views.open")[-1].params["view"]
    lines = {
        b["label"]["text"].split(" ")[0]: b["block_id"]
        for b in modal["blocks"]
        if b.get("label") and b["block_id"].startswith("line:")
    }
    values = {lines.get(sku, sku): qty for sku, qty in entries.items() if sku != "note"}
    note = entries.get("note", "")
    return submit_adjust(bot, modal["private_metadata"], values, note, modal["blocks"])


def po_lines(bot: RunningBot) -> dict[str, int]:
    [po] = bot.bot.backorders.open_pos()
    return {line.sku: line.quantity for line in po.lines}


def test_the_buffers_job_never_undoes_a_line_a_person_dropped_and_the_supplier_gets_version_2(
    velo: tuple[RunningBot, Clock],
    local_slack: LocalSlack,
    inbox: tuple[Inbox, str],  # noqa: F811
) -> None:
    bot, clock = velo
    message = raise_velo(bot, local_slack)
    assert po_lines(bot) == {"BK-TUBE-700": 24, "BK-PADS-DISC": 6}  # version 1: 30 units
    reply = adjust(bot, local_slack, message, **{"BK-PADS-DISC": "0", "note": "not needed yet"})
    assert (reply.status, reply.body) == (200, b"")
    eventually(lambda: bot.bot.backorders.open_pos()[0].version == 2)
    clock.move(12)
    assert bot.bot.backorders.check_buffers() == []  # the job tick the issue saw rewrite it
    [po] = bot.bot.backorders.open_pos()
    assert (po.version, po_lines(bot)) == (2, {"BK-TUBE-700": 24})
    deliver(bot)
    shown = latest(local_slack)
    assert "Adjusted by <@U012ABCDEF>" in json.dumps(shown) and "not needed yet" in json.dumps(
        shown
    )
    click(bot, local_slack, Action.APPROVE_PO, buttons(shown)[Action.APPROVE_PO], APPROVER, "ok")
    assert "Approved: PO-0001" in answer(local_slack, "ok")["text"]
    [mail] = inbox[0].wait_for(1)
    assert "BK-PADS-DISC" not in mail.get_body(("plain",)).get_content()
    sheet = openpyxl.load_workbook(io.BytesIO(attachment(mail)[1])).active
    skus = {
        row[0]: row[2] for row in sheet.iter_rows(values_only=True) if str(row[0]).startswith("BK-")
    }
    assert skus == {"BK-TUBE-700": 24}  # exactly what the person approved


def test_demand_after_an_adjustment_is_shown_with_a_button_and_taken_in_only_by_a_person(
    velo: tuple[RunningBot, Clock], local_slack: LocalSlack
) -> None:
    bot, clock = velo
    message = raise_velo(bot, local_slack)
    adjust(bot, local_slack, message, **{"BK-PADS-DISC": "0", "note": "not needed yet"})
    eventually(lambda: bot.bot.backorders.open_pos()[0].version == 2)
    order_in(bot, "1003", ("BK-PADS-DISC", 4))
    clock.move(15)
    assert bot.bot.backorders.check_buffers() == [f"demand_waiting {VELO}"]
    assert bot.bot.backorders.check_buffers() == []  # said once
    assert (bot.bot.backorders.open_pos()[0].version, po_lines(bot)) == (2, {"BK-TUBE-700": 24})
    deliver(bot)
    shown = latest(local_slack)
    text = json.dumps(shown)
    assert "4 more units waiting since the last adjustment by <@U012ABCDEF>" in text
    take = buttons(shown)[Action.TAKE_IN_PO]
    click(bot, local_slack, Action.TAKE_IN_PO, take, "U0SOMEONE", "nobody")
    assert "Only approvers" in answer(local_slack, "nobody")["text"]
    click(bot, local_slack, Action.TAKE_IN_PO, take, APPROVER, "take")
    assert "version 3" in answer(local_slack, "take")["text"]
    assert po_lines(bot) == {"BK-TUBE-700": 24, "BK-PADS-DISC": 6}  # the 4 new, in a case of 6
    deliver(bot)
    assert "Took in the demand waiting by <@U012ABCDEF>" in json.dumps(latest(local_slack))


def test_a_proposal_with_every_line_dropped_offers_no_approve_and_stays_empty(
    velo: tuple[RunningBot, Clock], local_slack: LocalSlack
) -> None:
    bot, clock = velo
    message = raise_velo(bot, local_slack)
    adjust(bot, local_slack, message, **{"BK-PADS-DISC": "0", "BK-TUBE-700": "0"})
    eventually(lambda: bot.bot.backorders.open_pos()[0].version == 2)
    clock.move(15)
    bot.bot.backorders.check_buffers()
    assert po_lines(bot) == {}  # no revert
    deliver(bot)
    shown = latest(local_slack)
    assert set(buttons(shown)) == {Action.ADJUST_PO, Action.HOLD_PO}
    assert "Nothing to approve" in json.dumps(shown)
    value = f"{bot.bot.backorders.open_pos()[0].po_id}:2"
    click(bot, local_slack, Action.APPROVE_PO, value, APPROVER, "empty")  # an old or forged click
    assert "no lines" in answer(local_slack, "empty")["text"]
    assert bot.bot.backorders.open_pos()[0].status == "proposed"


def test_the_adjust_form_refuses_a_line_not_on_the_po_naming_its_sku(
    velo: tuple[RunningBot, Clock], local_slack: LocalSlack
) -> None:
    bot, _ = velo
    message = raise_velo(bot, local_slack)
    click(bot, local_slack, Action.ADJUST_PO, buttons(message)[Action.ADJUST_PO], APPROVER, "a")
    local_slack.wait_for(lambda calls: any(c.method == "views.open" for c in calls))
    modal = local_slack.calls("views.open")[-1].params["view"]
    forged = [
        *modal["blocks"],
        {
            "type": "input",
            "block_id": "line:999",
            "label": {"type": "plain_text", "text": "BK-NOPE · Nothing"},
            "element": {},
        },
    ]
    reply = submit_adjust(bot, modal["private_metadata"], {"line:999": "5"}, blocks=forged)
    assert reply.json()["response_action"] == "errors"
    assert reply.json()["errors"] == {
        "line:999": "BK-NOPE: not on this purchase order, nor in the catalog"
    }
    assert bot.bot.backorders.open_pos()[0].version == 1


def test_an_approve_click_loads_the_po_once_in_a_dozen_statements(database: Database) -> None:
    """The Approve use case reads the PO once (one SELECT of purchase_orders) and stays small."""
    desk = Backorders(database, Clock())
    desk.import_catalog(velo_catalog())
    desk.ingest(delivery(order("1001", ("BK-TUBE-700", 13), ("BK-PADS-DISC", 3))))
    po = desk.raise_po(VELO, APPROVER)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        approved = desk.approve_po(po.po_id, po.version, Actor(APPROVER, True))
        took_ms = (time.perf_counter() - started) * 1000
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert approved.number == "PO-0001"
    po_reads = [
        s
        for s in statements
        if s.lstrip().upper().startswith("SELECT") and "FROM purchase_orders" in s
    ]
    dialect = database.engine.dialect.name
    print(f"\nApprove: {len(statements)} statements, {took_ms:.1f} ms ({dialect})")
    assert len(po_reads) == 1
    assert len(statements) <= 12  # was 20 before the aggregate (the PO read three times)


def test_every_change_by_the_bot_is_audited_with_before_and_after(database: Database) -> None:
    desk = Backorders(database, Clock())
    desk.import_catalog(velo_catalog())
    desk.ingest(delivery(order("1001", ("BK-TUBE-700", 13))))
    desk.raise_po(VELO, APPROVER)
    desk.ingest(delivery(order("1002", ("BK-TUBE-700", 12))))
    assert desk.check_buffers() == [f"updated {VELO}"]
    [(before, after, note)] = [
        (b, a, n) for action, actor, b, a, n in audit(database) if action == "updated"
    ]
    assert (json.loads(before), json.loads(after)) == ({"BK-TUBE-700": 24}, {"BK-TUBE-700": 36})
    assert note == "BK-TUBE-700 24 → 36"
    [view] = desk.open_pos()
    assert [d.action for d in view.decisions] == ["raised", "updated"]  # in the message history


def audit(database: Database) -> list[tuple[Any, ...]]:
    with database.engine.connect() as conn:
        stmt = select(
            PoEventRow.action,
            PoEventRow.actor,
            PoEventRow.before,
            PoEventRow.after,
            PoEventRow.note,
        ).order_by(PoEventRow.id)
        return [tuple(row) for row in conn.execute(stmt)]
