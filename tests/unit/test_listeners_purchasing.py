"""Approve, Hold and Adjust called as Bolt calls them: mocks for ack, respond and the client, a
fake desk for the bot. What is asserted is what the person sees and what the desk was asked."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import call

from domain.purchase_orders import Actor, EmptyPo, PoChanged
from domain.purchasing import PoDecision, PoStatus
from handlers import purchasing
from handlers.blocks.po_modal import adjust_modal
from handlers.commands import ack_at_once
from tests.support.fake_desk import NOW, FakeDesk, po_view
from tests.support.slack_payloads import (
    BOSS,
    CLERK,
    click,
    context,
    mocks,
    replied,
    submission,
    typed,
)


def test_a_button_is_acknowledged_at_once_with_nothing_else() -> None:
    ack, _, _ = mocks()
    ack_at_once(ack=ack)
    assert ack.call_args_list == [call()]


def test_approving_asks_the_desk_for_the_po_and_version_on_the_button() -> None:
    desk = FakeDesk(answer=po_view(status=PoStatus.SENT, number="PO-0001"))
    _, respond, client = mocks()
    purchasing.approve(
        body=click("approve_po", "7:3"), respond=respond, context=context(desk), client=client
    )
    assert desk.called("approve_po") == [(7, 3, Actor(BOSS, True))]
    assert replied(respond) == "Approved: PO-0001 goes to Velo Parts Ltd."


def test_someone_who_is_not_an_approver_is_told_who_can() -> None:
    desk = FakeDesk()
    _, respond, client = mocks()
    purchasing.approve(
        body=click("approve_po", "7:3", user=CLERK),
        respond=respond,
        context=context(desk),
        client=client,
    )
    assert desk.called("approve_po") == [(7, 3, Actor(CLERK, False))]
    said = replied(respond)
    assert said.startswith("Only approvers can approve purchase orders.")
    assert "slack.approvers" in said


def test_a_click_on_an_approved_po_shows_who_approved_it_and_changes_nothing() -> None:
    approved = po_view(
        status=PoStatus.SENT,
        number="PO-0001",
        decisions=(PoDecision("approved", "U0OTHER", NOW - timedelta(minutes=2)),),
    )
    desk = FakeDesk(refuse_with=PoChanged("This purchase order is already sent.", approved))
    _, respond, client = mocks()
    purchasing.approve(
        body=click("approve_po", "7:3"), respond=respond, context=context(desk), client=client
    )
    said = replied(respond)
    assert "it is sent now" in said and "your click changed nothing" in said
    assert "Approved by @U0OTHER" in said


def test_approving_a_po_with_no_lines_says_what_to_do_instead() -> None:
    desk = FakeDesk(refuse_with=EmptyPo("This PO has no lines: there is nothing to approve."))
    _, respond, client = mocks()
    purchasing.approve(
        body=click("approve_po", "7:3"), respond=respond, context=context(desk), client=client
    )
    assert replied(respond) == (
        "This PO has no lines: there is nothing to approve. "
        "Adjust it, hold it, or take in what waits."
    )


def test_a_failure_behind_the_button_is_a_polite_reply_never_a_trace() -> None:
    desk = FakeDesk(refuse_with=RuntimeError("connection reset"))
    _, respond, client = mocks()
    purchasing.hold(
        body=click("hold_po", "7:3"), respond=respond, context=context(desk), client=client
    )
    said = replied(respond)
    assert said.startswith("Something went wrong on my side and nothing was changed.")
    assert "connection reset" not in said and "Traceback" not in said


def test_holding_asks_the_desk_and_says_the_buffer_waits() -> None:
    desk = FakeDesk()
    _, respond, client = mocks()
    purchasing.hold(
        body=click("hold_po", "7:3"), respond=respond, context=context(desk), client=client
    )
    assert desk.called("hold_po") == [(7, 3, Actor(BOSS, True))]
    assert replied(respond) == "Held: Velo Parts Ltd's buffer waits for the deadline."


def test_adjust_opens_the_modal_on_the_version_clicked() -> None:
    desk = FakeDesk()
    _, respond, client = mocks()
    body = click("adjust_po", "7:3")
    purchasing.open_adjust(body=body, respond=respond, context=context(desk), client=client)
    respond.assert_not_called()
    client.views_open.assert_called_once()
    opened = client.views_open.call_args.kwargs
    assert opened["trigger_id"] == body["trigger_id"]
    assert opened["view"]["callback_id"] == "adjust_po"
    assert opened["view"]["private_metadata"] == "7:3:C0PURCHASE"


def test_adjust_on_an_older_version_shows_the_po_as_it_stands_instead_of_the_modal() -> None:
    desk = FakeDesk(pos={7: po_view(version=4)})
    _, respond, client = mocks()
    purchasing.open_adjust(
        body=click("adjust_po", "7:3"), respond=respond, context=context(desk), client=client
    )
    client.views_open.assert_not_called()
    said = replied(respond)
    assert "changed since you saw it (now version 4)" in said and "nothing was adjusted" in said


def test_adjust_is_not_opened_for_someone_who_is_not_an_approver() -> None:
    desk = FakeDesk()
    _, respond, client = mocks()
    purchasing.open_adjust(
        body=click("adjust_po", "7:3", user=CLERK),
        respond=respond,
        context=context(desk),
        client=client,
    )
    client.views_open.assert_not_called()
    assert replied(respond).startswith("Only approvers can adjust purchase orders.")


def adjusted(tubes: str, note: str | None = None) -> dict:
    """The adjust modal of PO 7 version 3, submitted with `tubes` typed for line 11."""
    modal = adjust_modal(po_view())
    modal["private_metadata"] = "7:3:C0PURCHASE"
    values = {
        "line:11": {"quantity": typed(tubes)},
        "line:12": {"quantity": typed("6")},
        "note": {"note": typed(note)},
    }
    return submission("adjust_po", modal, values)


def test_a_bad_quantity_is_shown_under_its_line_in_the_modal_and_nothing_is_asked() -> None:
    desk = FakeDesk()
    ack, _, _ = mocks()
    purchasing.validate_adjust(ack=ack, view=adjusted("twelve")["view"], context=context(desk))
    ack.assert_called_once()
    assert ack.call_args.kwargs["response_action"] == "errors"
    errors = ack.call_args.kwargs["errors"]
    assert list(errors) == ["line:11"]
    assert errors["line:11"].startswith("BK-TUBE-700: “twelve” is not a whole number")
    assert desk.calls == []


def test_a_line_the_desk_refuses_is_shown_under_it_in_the_modal() -> None:
    why = "BK-PADS-DISC: not on this purchase order, nor in the catalog"
    desk = FakeDesk(refusals={12: why})
    ack, _, _ = mocks()
    purchasing.validate_adjust(ack=ack, view=adjusted("30")["view"], context=context(desk))
    assert ack.call_args_list == [call(response_action="errors", errors={"line:12": why})]
    [(po_id, named)] = desk.called("adjust_refusals")
    assert (po_id, named) == (7, {11: "BK-TUBE-700", 12: "BK-PADS-DISC"})


def test_good_quantities_close_the_modal_and_the_desk_saves_them_with_the_note() -> None:
    desk = FakeDesk()
    ack, _, client = mocks()
    body = adjusted("30", note="  pads later  ")
    purchasing.validate_adjust(ack=ack, view=body["view"], context=context(desk))
    assert ack.call_args_list == [call()]
    purchasing.save_adjust(body=body, view=body["view"], context=context(desk), client=client)
    assert desk.called("adjust_po") == [(7, 3, {11: 30, 12: 6}, "pads later", Actor(BOSS, True))]
    client.chat_postEphemeral.assert_not_called()


def test_saving_an_adjustment_on_a_changed_po_tells_the_person_privately() -> None:
    desk = FakeDesk(refuse_with=PoChanged("changed", po_view(version=5)))
    _, _, client = mocks()
    body = adjusted("30")
    purchasing.save_adjust(body=body, view=body["view"], context=context(desk), client=client)
    client.chat_postEphemeral.assert_called_once()
    sent = client.chat_postEphemeral.call_args.kwargs
    assert (sent["channel"], sent["user"]) == ("C0PURCHASE", BOSS)
    assert "changed since you saw it (now version 5)" in sent["text"]
