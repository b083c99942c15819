"""Replies that speak like a person: counts, cancelled lines, modal errors that name the SKU."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from domain.errors import CatalogError, CatalogProblem
from domain.lead_times import LeadTimes
from domain.model import LineIssue
from domain.purchasing import PoLine, PoStatus, PurchaseOrderView
from domain.views import OrderLineStatus, OrderStatus
from handlers.blocks import order_message, to_text
from handlers.blocks.journey import lead_time_text
from handlers.blocks.message import counted, fit_lines
from handlers.blocks.po_modal import adjust_modal, parse_adjust_submission
from handlers.blocks.receiving import parse_receive_submission, receive_modal
from handlers.blocks.reminders import reminder_message

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"
NOW = datetime(2026, 11, 6, 10, 0, tzinfo=UTC)
PADS = PoLine("BK-PADS-DISC", "Disc brake pads", 6, 6, 2, Decimal("7.45"), 103)
TUBE = PoLine("BK-TUBE-700", "Inner tube 700c", 4, 4, 1, Decimal("1.20"), 104)
SENT = PurchaseOrderView(
    po_id=7,
    version=2,
    status=PoStatus.SENT,
    supplier="Velo Parts Ltd",
    supplier_email="orders@velo.test",
    lead_time_days=5,
    number="PO-0007",
    lines=(PADS, TUBE),
    orders_served=2,
    oldest_placed_at=NOW - timedelta(days=3),
    trigger="deadline",
    proposed_at=NOW - timedelta(days=2),
)


def line(sku: str | None, quantity: int, allocated: int = 0, waiting: int = 0, **kw: Any):
    issue = kw.get("issue")
    return OrderLineStatus("1", sku, f"Item {sku}", quantity, allocated, waiting, issue, "Velo")


def shown(*lines: OrderLineStatus, cancelled: bool = False) -> str:
    status = OrderStatus("shopify", "x1", "1002", None, NOW, cancelled, lines)
    return to_text(order_message([status], NOW))


def submitted(modal: dict[str, Any], typed: dict[str, str]) -> dict[str, Any]:
    """The fixture's view_submission for `modal`, with these values typed in by block id."""
    payload = json.loads((FIXTURES / "view_submission.json").read_text())
    values = {
        block: {"quantity": {"type": "plain_text_input", "value": v}} for block, v in typed.items()
    }
    return payload["view"] | modal | {"state": {"values": values}}


# plurals


def test_one_of_anything_is_said_in_the_singular() -> None:
    assert counted("…and {n} more line{s}.", 1) == "…and 1 more line."
    assert counted("…and {n} more line{s}.", 2) == "…and 2 more lines."
    assert fit_lines(["x" * 50] * 3, 120, "…and {n} more line{s}.").endswith("…and 2 more lines.")


def test_a_catalog_with_one_problem_says_one_problem() -> None:
    error = CatalogError([CatalogProblem("Products", 3, "on_hand", "not a number")])
    assert str(error).startswith("Catalog not imported (1 problem); nothing changed")
    assert "(s)" not in str(error)


def test_a_lead_time_of_one_day_and_one_more_receipt_is_singular() -> None:
    text = lead_time_text(LeadTimes(1, 1, None, 2))
    assert "1 day (as configured; learned after 1 more receipt)" in text


def test_the_deadline_reminder_counts_one_buffer_in_the_singular() -> None:
    message = reminder_message(NOW, [("Velo Parts Ltd", 1)], [], UTC)
    assert "1 buffer to propose" in message.text
    assert "1 unit waiting" in to_text(message)


# a cancelled line


def test_a_line_cancelled_on_its_own_is_shown_as_cancelled_not_as_zero_ordered() -> None:
    text = shown(line("BK-PADS-DISC", 0), line("BK-TUBE-700", 2, 2))
    assert "BK-PADS-DISC Item BK-PADS-DISC — cancelled" in text
    assert "0 ordered" not in text
    assert "Ready to ship." in text  # the order goes on without the cancelled line


def test_a_cancelled_line_the_bot_could_not_place_is_not_left_to_the_team() -> None:
    text = shown(line("MYSTERY", 0, issue=LineIssue.UNKNOWN_SKU), line("BK-TUBE-700", 1, 1))
    assert "MYSTERY Item MYSTERY — cancelled" in text
    assert "place by hand" not in text and "⚠️" not in text


def test_the_lines_of_a_cancelled_order_say_what_was_ordered_and_that_it_is_cancelled() -> None:
    text = shown(line("BK-PADS-DISC", 2), cancelled=True)
    assert "BK-PADS-DISC Item BK-PADS-DISC — 2 ordered, cancelled" in text
    assert "Cancelled: nothing more will ship." in text


# modal errors name the SKU


def test_an_adjust_modal_error_is_keyed_by_block_and_names_the_sku() -> None:
    view = PurchaseOrderView(**{**SENT.__dict__, "status": PoStatus.PROPOSED, "number": None})
    _, _, errors = parse_adjust_submission(submitted(adjust_modal(view), {"line:103": "-2"}))
    assert errors == {
        "line:103": "BK-PADS-DISC: below zero: enter a whole number of units, 0 or more."
    }


def test_a_receive_modal_error_names_the_sku_of_its_line() -> None:
    modal = receive_modal(SENT, "C1")
    quantities, _, errors = parse_receive_submission(
        submitted(modal, {"line:103": "lots", "line:104": "3"})
    )
    assert errors == {
        "line:103": "BK-PADS-DISC: “lots” is not a whole number: "
        "enter a whole number of units, 0 or more."
    }
    assert quantities == {104: 3}


def test_a_submission_without_its_blocks_still_says_which_field_is_wrong() -> None:
    view = {"state": {"values": {"line:103": {"quantity": {"value": ""}}}}}
    _, _, errors = parse_receive_submission(view)
    assert errors == {"line:103": "This line: enter a whole number of units, 0 or more."}
