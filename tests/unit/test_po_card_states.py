"""The PO's card, `/backorders pos` and the Receive button read the PO's business state:
partly received, received in full, closed short, and an email that may have gone."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from domain.purchasing import PoDecision, PoStatus, PurchaseOrderView, SendingInDoubt
from handlers.blocks.purchasing import not_allowed_message, po_list_message
from handlers.blocks.receiving import with_receive_button
from handlers.blocks.text import to_text
from handlers.ids import Action
from tests.unit.test_po_blocks import LONDON, NOW, approved, buttons, proposal, sent

CHAIN, TUBE, PADS = sent().lines  # 12 chains, 4 tubes, 6 pads ordered
CLOSED = PoDecision("closed", "U03RECEIVER", NOW + timedelta(days=6), "8 CHAIN-11 arrived")


def arrived(view: PurchaseOrderView, *received: int, **changes: object) -> PurchaseOrderView:
    counted = zip(view.lines, received, strict=True)
    lines = tuple(dataclasses.replace(line, received=n) for line, n in counted)
    return dataclasses.replace(view, lines=lines, **changes)


def card(view: PurchaseOrderView) -> tuple[str, set[str]]:
    message = with_receive_button(proposal(view), view)
    return to_text(message), {b["action_id"] for b in buttons(message)}


def test_a_partly_received_po_says_what_arrived_and_what_is_outstanding_and_keeps_receive() -> None:
    text, offered = card(arrived(sent(), 8, 4, 0))
    assert (
        "Partly received: 12 of 22 units arrived; 10 outstanding (4 CHAIN-11, 6 BRAKE-PADS)" in text
    )
    assert "8 arrived, 4 outstanding" in text
    assert offered == {Action.RECEIVE_PO}
    assert "partly received" in proposal(arrived(sent(), 8, 4, 0)).text


def test_a_po_received_short_and_closed_says_how_many_never_came_and_who_closed_it() -> None:
    decisions = (*sent().decisions, CLOSED)
    text, offered = card(arrived(sent(), 8, 4, 6, status=PoStatus.RECEIVED, decisions=decisions))
    assert "Closed: 4 units never came (closed by @U03RECEIVER)" in text
    assert "4 never came" in text and "Received in full" not in text
    assert offered == set()


def test_a_po_received_in_full_says_so() -> None:
    text, offered = card(arrived(sent(), 12, 4, 6, status=PoStatus.RECEIVED))
    assert "Received in full: 22 units arrived" in text and "Closed" not in text
    assert offered == set()


def doubtful() -> PurchaseOrderView:
    doubt = SendingInDoubt("orders@velo.test", NOW + timedelta(minutes=1))
    return dataclasses.replace(approved(), version=4, in_doubt=doubt)


def test_an_email_that_may_have_gone_is_on_the_card_with_mark_sent_and_send_again() -> None:
    text, offered = card(doubtful())
    assert (
        "⚠️ The email to orders@velo.test may have gone at Fri 27 Nov 14:06 (Europe/London time): "
        "check with the supplier before sending again" in text
    )
    assert "Not sent to the supplier yet" not in text
    assert offered == {Action.MARK_PO_SENT, Action.SEND_PO_AGAIN, Action.RECEIVE_PO}
    values = {b["value"] for b in buttons(proposal(doubtful()))}
    assert values == {"42:4"}  # the version the doubt was shown at


def test_pos_lists_a_partly_received_po_and_an_email_in_doubt() -> None:
    rows = to_text(po_list_message([arrived(sent(), 8, 4, 0), doubtful()], NOW, LONDON))
    assert "partly received: 12 of 22 units arrived, 10 outstanding" in rows
    assert "the email may have gone: check with the supplier" in rows


def test_a_non_approver_is_told_who_may_mark_sent() -> None:
    assert (
        "Only approvers can mark purchase orders sent"
        in not_allowed_message(Action.MARK_PO_SENT).text
    )
