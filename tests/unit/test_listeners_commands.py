"""`/backorders` called as Bolt calls it: a slash command body, mocks, and a fake desk."""

from __future__ import annotations

from unittest.mock import Mock, call

from domain.purchase_orders import Actor
from domain.purchasing import PoStatus
from handlers import commands
from tests.support.fake_desk import FakeDesk, po_view
from tests.support.slack_payloads import BOSS, CLERK, command, context, mocks, replied


def ask(desk: FakeDesk, text: str, user: str = BOSS) -> tuple[Mock, Mock]:
    """`/backorders <text>` from `user`: (respond, client) after the listener ran."""
    ack, respond, client = mocks()
    body = command(text, user)
    commands.ack_at_once(ack=ack)
    commands.answer_command(body=body, respond=respond, context=context(desk), client=client)
    assert ack.call_args_list == [call()]  # acknowledged before anything is worked out
    return respond, client


def test_an_unknown_subcommand_gets_its_words_back_and_the_usage() -> None:
    desk = FakeDesk()
    respond, _ = ask(desk, "frobnicate the pads")
    said = replied(respond)
    assert said.startswith("I don't know frobnicate the pads.")
    assert "/backorders sku <SKU>" in said
    assert desk.calls == []


def test_help_lists_the_subcommands() -> None:
    respond, _ = ask(FakeDesk(), "help")
    said = replied(respond)
    for usage in ("/backorders raise <supplier>", "/backorders receive <PO number>"):
        assert usage in said


def test_raise_proposes_the_named_supplier_for_the_person_asking() -> None:
    desk = FakeDesk()
    respond, _ = ask(desk, "raise  Velo Parts Ltd ")
    assert desk.called("raise_po") == [("Velo Parts Ltd", BOSS)]
    assert replied(respond) == (
        "Velo Parts Ltd's buffer is proposed in #C0PURCHASE: 30 units, 125.70."
    )


def test_raise_without_a_supplier_says_how_to_ask() -> None:
    desk = FakeDesk()
    respond, _ = ask(desk, "raise")
    assert replied(respond) == "Which supplier? Try /backorders raise Velo Parts Ltd."
    assert desk.calls == []


def test_cancel_tells_the_desk_whether_the_person_is_an_approver() -> None:
    desk = FakeDesk()
    ask(desk, "cancel shopify: 1001 BK-TUBE-700")
    ask(desk, "cancel 1002", user=CLERK)
    assert desk.called("cancel_from_slack") == [
        ("shopify:1001", "BK-TUBE-700", Actor(BOSS, True)),
        ("1002", None, Actor(CLERK, False)),
    ]


def test_receive_opens_the_form_of_that_po_for_an_approver() -> None:
    desk = FakeDesk(pos={7: po_view(status=PoStatus.SENT, number="PO-0001")})
    respond, client = ask(desk, "receive PO-0001")
    respond.assert_not_called()
    opened = client.views_open.call_args.kwargs
    assert opened["trigger_id"] == command("")["trigger_id"]
    assert opened["view"]["private_metadata"] == "7:C2147483705"  # the channel asked in


def test_receive_is_refused_to_someone_who_is_not_an_approver() -> None:
    desk = FakeDesk(pos={7: po_view(status=PoStatus.SENT, number="PO-0001")})
    respond, client = ask(desk, "receive PO-0001", user=CLERK)
    client.views_open.assert_not_called()
    assert replied(respond) == "Only approvers can receive purchase orders."
    assert desk.called("po_by_number") == []


def test_receive_of_a_po_nobody_knows_points_at_the_list() -> None:
    respond, client = ask(FakeDesk(), "receive PO-0099")
    client.views_open.assert_not_called()
    assert replied(respond) == "No open purchase order PO-0099. /backorders pos lists them."
