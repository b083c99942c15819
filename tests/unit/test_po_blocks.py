"""Purchase orders in Slack: what approvers see, the buttons they press, the modal they fill."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from domain.po_rules import SupplierTerms
from domain.purchase_order import PurchaseOrder
from domain.purchasing import PoDecision, PoItem, PoLine, PoStatus, PurchaseOrderView
from handlers.blocks.message import Message
from handlers.blocks.po_modal import adjust_modal, parse_adjust_submission
from handlers.blocks.purchasing import (
    not_allowed_message,
    parse_po_ref,
    po_list_message,
    po_ref,
    po_thread_note,
    proposal_message,
    stale_click_message,
)
from handlers.blocks.text import to_text
from handlers.ids import Action, Callback
from tests.support.slack_limits import assert_fits_slack

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 27, 14, 5, tzinfo=UTC)  # Friday; London is on UTC in November
DEADLINE = "Fri 4 Dec 15:00"

CHAIN = PoLine("CHAIN-11", "11-speed chain", 7, 12, 6, Decimal("2.50"), 101)
TUBE = PoLine("TUBE-700", "Inner tube 700c", 7, 4, 1, Decimal("1.20"), 102)  # lowered by hand
PADS = PoLine("BRAKE-PADS", "Disc brake pads (pair)", 6, 6, 2, Decimal("7.45"), 103)

RAISED = PoDecision("raised", "bot", NOW - timedelta(hours=5), "minimum")
UPDATED = PoDecision("updated", "bot", NOW - timedelta(hours=2, minutes=35))
ADJUSTED = PoDecision("adjusted", "U02ADJUSTER", NOW - timedelta(minutes=15), "Only 4 tubes left")
APPROVED = PoDecision("approved", "U01APPROVER", NOW)
SENT = PoDecision("sent", "bot", NOW + timedelta(minutes=1))
HELD = PoDecision("held", "U01APPROVER", NOW)

PROPOSED = PurchaseOrderView(
    po_id=42,
    version=3,
    status=PoStatus.PROPOSED,
    supplier="Velo Parts Ltd",
    supplier_email="orders@velo.test",
    lead_time_days=5,
    number=None,
    lines=(CHAIN, TUBE, PADS),
    orders_served=3,
    oldest_placed_at=NOW - timedelta(days=6),
    trigger="minimum",
    proposed_at=NOW - timedelta(hours=5),
    decisions=(RAISED, UPDATED, ADJUSTED),
)


def po(**changes: Any) -> PurchaseOrderView:
    return dataclasses.replace(PROPOSED, **changes)


def held(**changes: Any) -> PurchaseOrderView:
    return po(status=PoStatus.HELD, version=4, decisions=(RAISED, HELD), **changes)


def approved(**changes: Any) -> PurchaseOrderView:
    decisions = (*PROPOSED.decisions, APPROVED)
    return po(status=PoStatus.APPROVED, number="PO-0042", approved_at=NOW, decisions=decisions)


def sent(**changes: Any) -> PurchaseOrderView:
    sent_at = NOW + timedelta(minutes=1)
    shipped = {
        "status": PoStatus.SENT,
        "sent_at": sent_at,
        "expected_at": sent_at + timedelta(days=5),
        "decisions": (*approved().decisions, SENT),
    }
    return dataclasses.replace(approved(), **(shipped | changes))


def many_lines(n: int, name: str = "Spoke 2.0mm, black") -> tuple[PoLine, ...]:
    return tuple(
        PoLine(f"SPOKE-{i:03}", f"{name} {i}", 3, 4, 4, Decimal("0.35"), 1000 + i) for i in range(n)
    )


def message_lines(message: Message) -> list[str]:
    return to_text(message).splitlines()


def buttons(message: Message) -> list[dict[str, Any]]:
    return [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def contexts(message: Message) -> list[str]:
    return [
        " · ".join(e["text"] for e in b["elements"])
        for b in message.blocks
        if b["type"] == "context"
    ]


def proposal(view: PurchaseOrderView, tz: ZoneInfo = LONDON) -> Message:
    return proposal_message(view, NOW, DEADLINE, tz)


# the proposal in the channel


def test_a_proposal_reads_well_in_the_terminal_with_its_buttons() -> None:
    title = "PO proposal — Velo Parts Ltd"
    assert message_lines(proposal(PROPOSED)) == [
        title,
        "─" * len(title),
        "  Waiting for an approver since Fri 27 Nov 09:05 (Europe/London time) · version 3",
        "The buffer reached its minimum order. It serves 3 orders; the oldest has waited 6 days.",
        "",
        "CHAIN-11 11-speed chain — order 12 (7 waiting, case of 6, +5 to stock) · 2.50 → 30.00",
        "TUBE-700 Inner tube 700c — order 4 (7 waiting, 3 short: they wait for the next cycle)"
        " · 1.20 → 4.80",
        "BRAKE-PADS Disc brake pads (pair) — order 6 (6 waiting, case of 2) · 7.45 → 44.70",
        "",
        "Total: 22 units · 79.50 (5 units beyond demand go to stock; 3 units wait for the next"
        " cycle)",
        "  📝 Proposed at the minimum order · Fri 27 Nov 09:05",
        "  🔄 Updated with the latest backorders · Fri 27 Nov 11:30",
        "  ✏️ Adjusted by @U02ADJUSTER · Fri 27 Nov 13:50 · “Only 4 tubes left”",
        "[Approve] [Adjust] [Hold]",
    ]


@pytest.mark.parametrize(
    ("trigger", "why"),
    [
        ("minimum", "The buffer reached its minimum order."),
        ("raise", "Raised by hand."),
        ("deadline", "Weekly deadline: proposed whatever its size"),
    ],
)
def test_a_proposal_says_why_it_is_up_now(trigger: str, why: str) -> None:
    assert why in to_text(proposal(po(trigger=trigger)))


def test_a_proposal_whose_oldest_order_came_today_says_so() -> None:
    text = to_text(proposal(po(oldest_placed_at=NOW - timedelta(hours=1), orders_served=1)))
    assert "It serves 1 order; the oldest was placed today." in text


def test_a_proposal_has_approve_adjust_and_hold_buttons_carrying_its_version() -> None:
    pressed = buttons(proposal(PROPOSED))
    assert [b["text"]["text"] for b in pressed] == ["Approve", "Adjust", "Hold"]
    assert [b["action_id"] for b in pressed] == ["approve_po", "adjust_po", "hold_po"]
    assert {b["value"] for b in pressed} == {"42:3"}
    assert pressed[0]["style"] == "primary"
    assert parse_po_ref(pressed[0]["value"]) == (42, 3) == parse_po_ref(po_ref(PROPOSED))


def test_a_bad_po_reference_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_po_ref("42")


@pytest.mark.parametrize("view", [held(), approved(), sent()], ids=lambda v: v.status.value)
def test_only_a_proposal_waiting_for_approval_has_buttons(view: PurchaseOrderView) -> None:
    message = proposal(view)
    assert buttons(message) == []
    assert "[Approve]" not in to_text(message)


def test_a_held_proposal_says_who_held_it_and_that_it_waits_for_the_deadline() -> None:
    lines = message_lines(proposal(held()))
    assert lines[0] == "PO proposal — Velo Parts Ltd"
    held_by = "  ⏸️ Held by @U01APPROVER at Fri 27 Nov 14:05 (Europe/London time)"
    assert f"{held_by}: waits for the deadline (Fri 4 Dec 15:00)" in lines
    until = held(hold_until=datetime(2026, 12, 11, 15, 0, tzinfo=UTC))
    assert "waits for the deadline (Fri 11 Dec 15:00)" in to_text(proposal(until))


def test_an_approved_po_says_who_approved_it_when_and_its_number() -> None:
    message = proposal(approved())
    lines = message_lines(message)
    assert lines[0] == "PO-0042 — Velo Parts Ltd"
    assert (
        "  ✅ Approved by @U01APPROVER at Fri 27 Nov 14:05 (Europe/London time) · PO-0042" in lines
    )
    assert "  Not sent to the supplier yet." in lines
    assert "<@U01APPROVER>" in contexts(message)[0]  # a real mention in Slack


def test_a_sent_po_says_when_it_was_sent_and_when_it_is_expected() -> None:
    lines = message_lines(proposal(sent()))
    assert "  📤 Sent Fri 27 Nov 14:06 · expected by Wed 2 Dec" in lines
    assert "  📤 Sent · Fri 27 Nov 14:06" in lines  # and in the history, by the bot


def test_every_decision_is_shown_with_who_what_when_and_the_note() -> None:
    decided = contexts(proposal(sent()))
    assert decided[-5:] == [
        "📝 Proposed at the minimum order · Fri 27 Nov 09:05",
        "🔄 Updated with the latest backorders · Fri 27 Nov 11:30",
        "✏️ Adjusted by <@U02ADJUSTER> · Fri 27 Nov 13:50 · “Only 4 tubes left”",
        "✅ Approved by <@U01APPROVER> · Fri 27 Nov 14:05",
        "📤 Sent · Fri 27 Nov 14:06",
    ]


def test_the_card_lists_each_receipt_with_who_when_and_what_arrived() -> None:
    items = [PoItem(1, "BK-PADS-DISC", "Disc brake pads", 2, 2, 1, Decimal("7.15"), line_id=11)]
    arrived = NOW + timedelta(days=4)
    history = (
        PoDecision("sent", "bot", NOW),
        PoDecision("received", "U04RECEIVER", arrived, "1 BK-PADS-DISC arrived"),
        PoDecision(
            "closed",
            "U04RECEIVER",
            arrived + timedelta(hours=1),
            "1 BK-PADS-DISC arrived; the rest was cancelled: 4 BK-CHAIN-11",
        ),
    )
    terms = SupplierTerms(7, "Velo Parts Ltd", "orders@velo.test", 5, 0)
    order = PurchaseOrder(42, terms, PoStatus.RECEIVED, 3, items, "raise", NOW, history=history)
    decided = contexts(proposal(order.view((1, None))))
    assert decided[-2:] == [
        "📦 Received by <@U04RECEIVER> · Tue 1 Dec 14:05 · “1 BK-PADS-DISC arrived”",
        "🏁 Received and closed by <@U04RECEIVER> · Tue 1 Dec 15:05 · "
        "“1 BK-PADS-DISC arrived; the rest was cancelled: 4 BK-CHAIN-11”",
    ]


def test_a_proposal_raised_by_hand_says_who_raised_it() -> None:
    by_hand = po(trigger="raise", decisions=(PoDecision("raised", "U03RAISER", NOW, "raise"),))
    assert "📝 Raised by <@U03RAISER> · Fri 27 Nov 14:05" in contexts(proposal(by_hand))


def test_a_long_history_shows_the_latest_ten_decisions_and_counts_the_rest() -> None:
    history = tuple(
        PoDecision("updated", "bot", NOW - timedelta(minutes=30 - i)) for i in range(14)
    )
    decided = contexts(proposal(po(decisions=history)))
    assert "…and 4 earlier changes" in decided
    assert sum("Updated" in line for line in decided) == 10


def test_times_are_shown_on_the_teams_clock() -> None:
    text = to_text(proposal(sent(), ZoneInfo("America/New_York")))
    assert "at Fri 27 Nov 09:05 (America/New_York time) · PO-0042" in text
    assert "📤 Sent Fri 27 Nov 09:06 · expected by Wed 2 Dec" in text


@pytest.mark.parametrize(
    ("view", "text"),
    [
        (PROPOSED, "PO proposal for Velo Parts Ltd: 22 units, total 79.50"),
        (held(), "PO proposal for Velo Parts Ltd held until the deadline: 22 units, total 79.50"),
        (
            approved(),
            "PO-0042 for Velo Parts Ltd approved by <@U01APPROVER>: 22 units, total 79.50",
        ),
        (sent(), "PO-0042 for Velo Parts Ltd sent: 22 units, total 79.50"),
    ],
    ids=lambda v: getattr(v, "status", "text"),
)
def test_the_notification_text_names_the_po_its_supplier_units_and_total(
    view: PurchaseOrderView, text: str
) -> None:
    assert proposal(view).text == text


def test_a_product_name_with_markup_is_shown_as_text_never_as_markup() -> None:
    sneaky = PoLine("A&B", "<!channel> *bold*", 1, 1, 1, Decimal("1"), 1)
    message = proposal(po(lines=(sneaky,), supplier="Smith & Sons <Ltd>"))
    assert "<!channel>" not in json.dumps(message.blocks)
    assert "&lt;!channel&gt;" in json.dumps(message.blocks)
    assert "A&B <!channel> bold — order 1 (1 waiting) · 1.00 → 1.00" in message_lines(message)
    assert message_lines(message)[0] == "PO proposal — Smith & Sons <Ltd>"


def test_a_po_of_200_lines_shows_every_line_within_50_blocks() -> None:
    message = proposal(po(lines=many_lines(200)))
    text = to_text(message)
    assert len(message.blocks) <= 50
    assert all(f"SPOKE-{i:03} " in text for i in range(200))
    assert "more lines" not in text
    assert "Total: 800 units · 280.00 (200 units beyond demand go to stock)" in text


def test_a_po_too_long_for_50_blocks_counts_the_lines_left_out_and_keeps_its_buttons() -> None:
    lines = many_lines(200, name="Very long product name " * 60)  # one line fills a section
    message = proposal(po(lines=lines))
    text = to_text(message)
    shown = sum(f"SPOKE-{i:03} " in text for i in range(200))
    assert len(message.blocks) == 50
    assert 30 < shown < 200
    assert f"…and {200 - shown} more lines." in text
    assert message.blocks[-1]["type"] == "actions"
    assert "Total: 800 units" in text


# a click on an older version, a click by someone who may not decide


def test_a_stale_click_shows_the_fresh_version_with_its_buttons_and_approves_nothing() -> None:
    fresh = po(version=5)
    message = stale_click_message(fresh, NOW, DEADLINE, LONDON)
    notice = (
        "This proposal changed since you saw it (now version 5). "
        "Here it is as it stands; nothing was approved."
    )
    assert message.text == notice
    assert message_lines(message)[:2] == [notice, "PO proposal — Velo Parts Ltd"]
    assert {b["value"] for b in buttons(message)} == {"42:5"}


def test_a_stale_hold_says_nothing_was_held() -> None:
    message = stale_click_message(po(version=5), NOW, DEADLINE, LONDON, Action.HOLD_PO)
    assert message.text.endswith("nothing was held.")


def test_a_click_on_a_po_someone_already_approved_says_where_it_stands() -> None:
    message = stale_click_message(sent(), NOW, DEADLINE, LONDON)
    assert message.text.startswith("PO-0042 changed since you saw it: it is sent now.")
    assert buttons(message) == []
    assert "PO-0042 — Velo Parts Ltd" in message_lines(message)


def test_a_stale_click_on_a_huge_po_stays_within_50_blocks() -> None:
    lines = many_lines(200, name="Very long product name " * 60)
    message = stale_click_message(po(lines=lines), NOW, DEADLINE, LONDON)
    assert len(message.blocks) == 50
    assert message.blocks[-1]["type"] == "actions"


@pytest.mark.parametrize(
    ("action", "verb"),
    [(Action.APPROVE_PO, "approve"), (Action.ADJUST_PO, "adjust"), ("hold", "hold")],
)
def test_someone_who_is_not_an_approver_is_told_who_can(action: str, verb: str) -> None:
    text = to_text(not_allowed_message(action))
    assert text.startswith(f"Only approvers can {verb} purchase orders. Ask someone in")
    assert "slack.approvers" in text


# the adjust modal


def test_the_adjust_modal_has_one_input_per_line_with_its_quantity_and_hint() -> None:
    modal = adjust_modal(PROPOSED)
    inputs = [b for b in modal["blocks"] if b["type"] == "input"][:-1]
    assert [b["block_id"] for b in inputs] == ["line:101", "line:102", "line:103"]
    assert [b["element"]["initial_value"] for b in inputs] == ["12", "4", "6"]
    assert {b["element"]["action_id"] for b in inputs} == {"quantity"}
    assert inputs[0]["label"]["text"] == "CHAIN-11 · 11-speed chain"
    assert inputs[0]["hint"]["text"] == (
        "7 waiting · case of 6, rounded up to whole cases · "
        "less than 7 leaves the rest for the next cycle"
    )
    assert inputs[1]["hint"]["text"] == "7 waiting · less than 7 leaves the rest for the next cycle"


def test_the_adjust_modal_remembers_the_po_and_its_version_and_takes_an_optional_note() -> None:
    modal = adjust_modal(PROPOSED)
    assert modal["type"] == "modal"
    assert modal["callback_id"] == Callback.ADJUST_PO == "adjust_po"
    assert modal["private_metadata"] == "42:3"
    assert [modal[k]["text"] for k in ("title", "submit", "close")] == [
        "Adjust PO",
        "Save",
        "Cancel",
    ]
    note = modal["blocks"][-1]
    assert (note["block_id"], note["element"]["action_id"]) == ("note", "note")
    assert note["optional"] is True and note["element"]["multiline"] is True
    assert "22 units · 79.50" in modal["blocks"][0]["text"]["text"]


def test_a_modal_for_98_lines_shows_them_all_in_100_blocks() -> None:
    modal = adjust_modal(po(lines=many_lines(98)))
    assert len(modal["blocks"]) == 100
    assert sum(b["block_id"].startswith("line:") for b in modal["blocks"] if "block_id" in b) == 98


def test_a_modal_for_150_lines_fits_100_blocks_and_says_the_rest_keep_their_quantities() -> None:
    modal = adjust_modal(po(lines=many_lines(150)))
    blocks = modal["blocks"]
    assert len(blocks) == 100
    assert sum(b["type"] == "input" for b in blocks) == 98  # 97 lines and the note
    assert blocks[-2]["elements"][0]["text"] == "…and 53 more lines: they keep their quantities."
    assert blocks[-1]["block_id"] == "note"


def test_a_product_name_too_long_for_a_label_is_cut_to_slacks_limit() -> None:
    modal = adjust_modal(po(lines=(dataclasses.replace(CHAIN, name="x" * 5000),)))
    assert len(modal["blocks"][1]["label"]["text"]) == 2000


def test_the_modal_needs_stored_lines() -> None:
    with pytest.raises(ValueError, match="line_id"):
        adjust_modal(po(lines=(dataclasses.replace(CHAIN, line_id=None),)))


# the adjust modal, submitted


def submitted(view: PurchaseOrderView, entries: dict[int, str | None], note: str | None = None):
    """The fixture's view_submission, for our modal with these entries typed in."""
    payload = json.loads((FIXTURES / "view_submission.json").read_text())
    values: dict[str, Any] = {
        f"line:{line_id}": {"quantity": {"type": "plain_text_input", "value": value}}
        for line_id, value in entries.items()
    }
    values["note"] = {"note": {"type": "plain_text_input", "value": note}}
    payload["view"] |= copy.deepcopy(adjust_modal(view)) | {"state": {"values": values}}
    return payload["view"]


def test_a_submission_reads_quantities_by_line_and_the_note() -> None:
    view = submitted(PROPOSED, {101: "18", 102: "0", 103: "6"}, note="  Tubes next week  ")
    assert parse_adjust_submission(view) == ({101: 18, 102: 0, 103: 6}, "Tubes next week", {})


def test_a_submission_without_a_note_has_none() -> None:
    assert parse_adjust_submission(submitted(PROPOSED, {101: "12"}, note="   "))[1] is None
    assert parse_adjust_submission(submitted(PROPOSED, {101: "12"}, note=None))[1] is None


@pytest.mark.parametrize(
    ("typed", "quantity"),
    [("12", 12), (" 12 ", 12), ("1,200", 1200), ("1 200", 1200), ("0", 0), ("+6", 6)],
)
def test_a_whole_number_is_read_with_spaces_and_thousands_separators(
    typed: str, quantity: int
) -> None:
    assert parse_adjust_submission(submitted(PROPOSED, {101: typed})) == ({101: quantity}, None, {})


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        (None, "enter a whole number of units, 0 or more."),
        ("", "enter a whole number of units, 0 or more."),
        ("   ", "enter a whole number of units, 0 or more."),
        ("abc", "“abc” is not a whole number: enter a whole number of units, 0 or more."),
        ("1.5", "“1.5” is not a whole number: enter a whole number of units, 0 or more."),
        ("-", "“-” is not a whole number: enter a whole number of units, 0 or more."),
        ("1e3", "“1e3” is not a whole number: enter a whole number of units, 0 or more."),
        ("12,00", "“12,00” is not a whole number: enter a whole number of units, 0 or more."),
        ("-3", "below zero: enter a whole number of units, 0 or more."),
        ("\u22123", "below zero: enter a whole number of units, 0 or more."),
        ("5000000", "more than 1,000,000 units: check the number."),
    ],
)
def test_a_quantity_that_is_not_a_whole_number_from_zero_up_is_refused_on_its_line(
    typed: str | None, error: str
) -> None:
    quantities, _, errors = parse_adjust_submission(submitted(PROPOSED, {101: typed, 102: "4"}))
    assert errors == {"line:101": f"CHAIN-11: {error}"}  # keyed by block, naming the SKU
    assert quantities == {102: 4}


def test_the_modal_submitted_unchanged_gives_back_the_current_quantities() -> None:
    modal = adjust_modal(PROPOSED)
    values = {
        b["block_id"]: {"quantity": {"value": b["element"]["initial_value"]}}
        for b in modal["blocks"]
        if b.get("block_id", "").startswith("line:")
    }
    assert parse_adjust_submission({"state": {"values": values}}) == (
        {101: 12, 102: 4, 103: 6},
        None,
        {},
    )


# `/backorders pos` and the thread


def test_open_pos_are_listed_oldest_first_with_where_each_stands() -> None:
    on_its_way = sent(
        number="PO-0041",
        proposed_at=NOW - timedelta(days=4),
        sent_at=NOW - timedelta(days=3),
        expected_at=NOW + timedelta(days=4),
    )
    waiting = po(supplier="Northern Cycle Supply", proposed_at=NOW - timedelta(hours=2))
    on_hold = held(
        supplier="Acme Bikes & Co",
        proposed_at=NOW - timedelta(days=1),
        hold_until=datetime(2026, 12, 4, 15, 0, tzinfo=UTC),
    )
    done = dataclasses.replace(on_its_way, status=PoStatus.RECEIVED, number="PO-0040")
    message = po_list_message([waiting, done, on_hold, on_its_way], NOW, LONDON)
    assert message_lines(message) == [
        "Open purchase orders",
        "─" * len("Open purchase orders"),
        "PO-0041 · Velo Parts Ltd · sent 3 days ago · expected Tue 1 Dec · 22 units · 79.50",
        "",
        "Held · Acme Bikes & Co · until Fri 4 Dec 15:00 · 22 units · 79.50",
        "",
        "Proposal · Northern Cycle Supply · waiting for approval for 2 hours · 22 units · 79.50",
        "  3 open purchase orders: 66 units · 238.50",
    ]
    assert message.text == "3 open purchase orders: 66 units · 238.50"


def test_a_po_past_its_expected_date_is_flagged_late() -> None:
    late = sent(sent_at=NOW - timedelta(days=8), expected_at=NOW - timedelta(days=2))
    text = to_text(po_list_message([late], NOW, LONDON))
    assert (
        "PO-0042 · Velo Parts Ltd · sent 8 days ago · expected Wed 25 Nov · ⚠️ 2 days late" in text
    )


def test_an_approved_po_not_sent_yet_says_so() -> None:
    text = to_text(po_list_message([approved()], NOW + timedelta(minutes=5), LONDON))
    assert "PO-0042 · Velo Parts Ltd · approved 5 minutes ago, not sent yet" in text


def test_with_no_open_pos_the_list_says_so_and_how_to_raise_one() -> None:
    message = po_list_message([], NOW, LONDON)
    assert message.text == "No open purchase orders."
    assert "/backorders raise <supplier> proposes one now." in to_text(message)


def test_a_long_list_of_pos_stays_within_50_blocks_and_counts_the_rest() -> None:
    pos = [po(po_id=i, proposed_at=NOW - timedelta(hours=i)) for i in range(80)]
    message = po_list_message(pos, NOW, LONDON)
    assert len(message.blocks) == 50
    assert "…and 33 more purchase orders." in to_text(message)
    assert "80 open purchase orders" in message_lines(message)[-1]


def test_a_thread_note_is_one_section_of_plain_words() -> None:
    message = po_thread_note("No email for Smith & Sons <Ltd>: forward the file above.")
    assert message.text == "No email for Smith & Sons <Ltd>: forward the file above."
    assert [b["type"] for b in message.blocks] == ["section"]
    assert message.blocks[0]["text"]["text"].startswith("No email for Smith &amp; Sons &lt;Ltd&gt;")
    assert to_text(po_thread_note("📎 PO-0042.xlsx")) == "📎 PO-0042.xlsx"


# every message and modal, within Slack's limits


def every_message() -> list[Message]:
    huge = po(lines=many_lines(200, name="Very long product name " * 60))
    return [
        proposal(PROPOSED),
        proposal(held()),
        proposal(approved()),
        proposal(sent()),
        proposal(po(status=PoStatus.RECEIVED, number="PO-0042")),
        proposal(po(lines=())),
        proposal(huge),
        stale_click_message(huge, NOW, DEADLINE, LONDON),
        not_allowed_message(Action.APPROVE_PO),
        po_list_message([PROPOSED, held(), sent()], NOW, LONDON),
        po_list_message([], NOW, LONDON),
        po_thread_note("📎 PO-0042.xlsx"),
    ]


@pytest.mark.parametrize("message", every_message(), ids=lambda m: m.text[:40])
def test_every_message_round_trips_through_slack_sdk_and_stays_within_limits(
    message: Message,
) -> None:
    assert_fits_slack(message)


@pytest.mark.parametrize("lines", [3, 98, 150])
def test_every_modal_round_trips_through_slack_sdk(lines: int) -> None:
    modal = adjust_modal(po(lines=many_lines(lines)))
    assert View(**modal).to_dict() == modal  # to_dict validates Slack's limits
    assert all(Block.parse(block).to_dict() == block for block in modal["blocks"])
