"""The Receive button and modal called as Bolt calls them, with mocks and a fake desk."""

from __future__ import annotations

from typing import Any
from unittest.mock import call

from domain.purchase_orders import Actor
from domain.purchasing import PoStatus
from domain.receiving import AlreadyReceived
from domain.views import OrderStatus
from handlers import receiving
from handlers.blocks.receiving import NOTHING, receive_modal
from tests.support.fake_desk import NOW, FakeDesk, Receipt, po_view
from tests.support.slack_payloads import BOSS, CLERK, click, context, mocks, replied, submission
from tests.support.slack_payloads import typed as typed_value

SENT = po_view(status=PoStatus.SENT, number="PO-0001")


def test_someone_who_is_not_an_approver_cannot_open_the_receive_form() -> None:
    desk = FakeDesk(pos={7: SENT})
    _, respond, client = mocks()
    body = click("receive_po", "7", user=CLERK)
    receiving.receive_clicked(body=body, respond=respond, context=context(desk), client=client)
    client.views_open.assert_not_called()
    assert replied(respond) == "Only approvers can receive purchase orders."


def test_an_approver_gets_the_receive_form_of_the_po_on_the_button() -> None:
    desk = FakeDesk(pos={7: SENT})
    _, respond, client = mocks()
    body = click("receive_po", "7")
    receiving.receive_clicked(body=body, respond=respond, context=context(desk), client=client)
    respond.assert_not_called()
    opened = client.views_open.call_args.kwargs
    assert opened["trigger_id"] == body["trigger_id"]
    assert (opened["view"]["callback_id"], opened["view"]["private_metadata"]) == (
        "receive_po",
        "7:C0PURCHASE",
    )


def test_a_receive_button_for_a_po_that_is_gone_says_so() -> None:
    desk = FakeDesk(pos={})
    _, respond, client = mocks()
    body = click("receive_po", "7")
    receiving.receive_clicked(body=body, respond=respond, context=context(desk), client=client)
    client.views_open.assert_not_called()
    assert replied(respond) == "That purchase order does not exist."


def received(tubes: str, pads: str = "0", **ticked: bool) -> dict[str, Any]:
    """The receive form of PO-0001, submitted with what was typed and the boxes ticked."""
    values: dict[str, Any] = {
        "line:11": {"quantity": typed_value(tubes)},
        "line:12": {"quantity": typed_value(pads)},
        "note": {"note": typed_value(None)},
    }
    for box, on in ticked.items():
        chosen = [{"value": box}] if on else []
        values[box] = {box: {"type": "checkboxes", "selected_options": chosen}}
    return submission("receive_po", receive_modal(SENT, "C0PURCHASE"), values)


def test_a_form_sent_untouched_is_refused_in_the_modal() -> None:
    ack, _, _ = mocks()
    receiving.validate_receive(ack=ack, view=received("0")["view"])
    assert ack.call_args_list == [call(response_action="errors", errors={"all_arrived": NOTHING})]


def test_a_negative_quantity_is_refused_under_its_line() -> None:
    ack, _, _ = mocks()
    receiving.validate_receive(ack=ack, view=received("-2")["view"])
    [(_, kwargs)] = [(c.args, c.kwargs) for c in ack.call_args_list]
    assert kwargs["response_action"] == "errors" and list(kwargs["errors"]) == ["line:11"]
    assert kwargs["errors"]["line:11"].startswith("BK-TUBE-700: below zero")


def test_a_receipt_goes_to_the_desk_once_per_submission_and_names_the_orders_that_ship() -> None:
    ready = OrderStatus("shopify", "1", "1001", None, NOW, False, ())
    desk = FakeDesk(pos={7: SENT}, receipt=Receipt((ready,)))
    ack, _, client = mocks()
    body = received("24", close_rest=True)
    receiving.validate_receive(ack=ack, view=body["view"])
    assert ack.call_args_list == [call()]
    receiving.save_receive(body=body, view=body["view"], context=context(desk), client=client)
    submitted = f"{body['view']['id']}:{body['view']['hash']}"
    assert desk.called("receive_po") == [
        (7, {11: 24}, True, Actor(BOSS, True), False, "", submitted)
    ]
    client.chat_postEphemeral.assert_called_once_with(
        channel="C0PURCHASE", user=BOSS, text="Received. Orders ready to ship: #1001."
    )


def test_a_replayed_receipt_is_told_privately_that_nothing_changed() -> None:
    desk = FakeDesk(refuse_with=AlreadyReceived("This receipt was recorded already."))
    _, _, client = mocks()
    body = received("24")
    receiving.save_receive(body=body, view=body["view"], context=context(desk), client=client)
    client.chat_postEphemeral.assert_called_once_with(
        channel="C0PURCHASE", user=BOSS, text="This receipt was recorded already."
    )
