"""What the bot shows in Slack: the words a reader sees, within Slack's limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.model import LineIssue
from domain.purchasing import BufferLine
from domain.views import (
    BackorderSummary,
    NewBackorder,
    OrderLineStatus,
    OrderStatus,
    Overview,
    SkuStatus,
    SupplierBacklog,
    SupplierStatus,
    UnplacedLine,
    WaitingLine,
)
from handlers import commands
from handlers.blocks import (
    USAGE,
    Message,
    error_message,
    order_message,
    overview_message,
    sku_message,
    summary_message,
    supplier_message,
    to_text,
    unknown_command_message,
    usage_message,
)
from handlers.blocks.formatting import age, escape, money, order_ref, plural, units
from tests.support.slack_limits import assert_fits_slack

NOW = datetime(2026, 11, 6, 10, 0, tzinfo=UTC)
DEADLINE = "Fri 13 Nov, 15:00"


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def backlog(name: str, days: float, units_: int = 12) -> SupplierBacklog:
    return SupplierBacklog(name, 5, units_, 3, days_ago(days))


def overview(*backlogs: SupplierBacklog, unplaced: int = 0) -> Overview:
    return Overview(tuple(backlogs), unplaced)


def chain_status(waiting: tuple[WaitingLine, ...] = (), lines: int | None = None) -> SkuStatus:
    units_ = sum(line.waiting for line in waiting)
    count = len(waiting) if lines is None else lines
    return SkuStatus("CHAIN-11", "11-speed chain", "Velo Parts Ltd", 0, 6, units_, count, waiting)


def waiting_line(number: str, days: float, quantity: int, waiting: int) -> WaitingLine:
    return WaitingLine(number, "CHAIN-11", days_ago(days), quantity, quantity - waiting, waiting)


def order_line(ref: str, sku: str | None, name: str, qty: int, allocated: int, **kw: Any):
    waiting = kw.get("waiting", qty - allocated)
    supplier = kw.get("supplier", "Velo Parts Ltd")
    return OrderLineStatus(ref, sku, name, qty, allocated, waiting, kw.get("issue"), supplier)


def order(*lines: OrderLineStatus, cancelled: bool = False) -> OrderStatus:
    placed = days_ago(4)
    return OrderStatus("shopify", "8209829", "1002", "Ada Lovelace", placed, cancelled, lines)


def supplier(*buffer: BufferLine, minimum: int = 24, email: str | None = None) -> SupplierStatus:
    oldest = days_ago(4) if buffer else None
    return SupplierStatus("Velo Parts Ltd", email, 5, minimum, buffer, oldest)


CHAIN = BufferLine("CHAIN-11", "11-speed chain", 7, 3, 6, Decimal("2.50"))
TUBE = BufferLine("TUBE-700", "Inner tube 700c", 3, 1, 1, Decimal("1234.5"))


def new(number: str, sku: str, supplier_: str, waiting: int, hours: float) -> NewBackorder:
    placed = NOW - timedelta(hours=hours)
    return NewBackorder(number, sku, f"Item {sku}", supplier_, waiting, placed)


MYSTERY = UnplacedLine("1003", "2", "MYSTERY", "Gift wrap", 1, LineIssue.UNKNOWN_SKU)
ENGRAVING = UnplacedLine("1003", "3", None, "Engraving", 1, LineIssue.NO_SKU)


def texts(message: Message) -> str:
    """Every mrkdwn and plain text in the blocks, as Slack receives them."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text"):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.blocks)
    return "\n".join(found)


def sections(message: Message) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section" and "text" in b]


# formatting


def test_ages_read_as_days_and_today_for_orders_placed_today() -> None:
    assert age(NOW - timedelta(hours=3), NOW) == "today"
    assert age(days_ago(1), NOW) == "1 day"
    assert age(days_ago(4), NOW) == "4 days"


def test_an_order_placed_late_yesterday_has_waited_a_day_in_the_teams_calendar() -> None:
    assert age(datetime(2026, 11, 5, 23, 30, tzinfo=UTC), NOW) == "1 day"


def test_counts_money_and_order_numbers_read_as_people_write_them() -> None:
    assert (units(1), units(3), units(1200)) == ("1 unit", "3 units", "1,200 units")
    assert plural(1, "line") == "1 line"
    assert money(Decimal("1234.5")) == "1,234.50"
    assert money(Decimal("0.125")) == "0.13"
    assert order_ref("#1002") == "#1002"  # as the shop shows it, whatever its prefix
    assert order_ref("SO-1166") == "SO-1166"


def test_catalog_text_is_escaped_as_slack_asks() -> None:
    assert escape("Nuts & <bolts>") == "Nuts &amp; &lt;bolts&gt;"


# the overview


def test_the_overview_lists_suppliers_with_the_longest_wait_first() -> None:
    message = overview_message(
        overview(backlog("Acme", 1), backlog("Velo Parts Ltd", 4), backlog("Brakes", 2)), NOW
    )
    lines = [s for s in sections(message) if s.endswith("for its buffer")]
    assert [line.split("*")[1] for line in lines] == ["Velo Parts Ltd", "Brakes", "Acme"]
    assert lines[0].startswith(
        "*Velo Parts Ltd* — 12 units on 5 lines (3 orders), oldest waiting 4 days"
    )


def test_each_overview_supplier_says_where_to_see_its_buffer() -> None:
    message = overview_message(overview(backlog("Velo Parts Ltd", 4)), NOW)
    assert "`/backorders supplier Velo Parts Ltd` for its buffer" in texts(message)


def test_the_overview_totals_and_warns_of_lines_nobody_could_place() -> None:
    message = overview_message(overview(backlog("A", 1, 3), backlog("B", 2, 4), unplaced=2), NOW)
    assert "*Total:* 7 units waiting on 10 lines across 2 suppliers" in sections(message)
    assert "⚠️ 2 order lines could not be placed (no SKU or unknown SKU)." in sections(message)
    assert message.text.startswith("Open backorders: 7 units waiting")


def test_with_no_backorders_the_overview_says_every_line_was_filled() -> None:
    message = overview_message(overview(), NOW)
    assert "No open backorders. Every order line has been filled from stock." in texts(message)


def test_only_unplaced_lines_are_not_reported_as_everything_filled() -> None:
    message = overview_message(overview(unplaced=1), NOW)
    assert "Every order line has been filled" not in texts(message)
    assert "1 order line could not be placed" in texts(message)


def test_an_overview_of_120_suppliers_fills_50_blocks_and_counts_the_rest() -> None:
    many = [backlog(f"Supplier {i:03}", 200 - i) for i in range(120)]
    message = overview_message(overview(*many), NOW)
    assert len(message.blocks) == 50
    shown = sum("*Supplier" in s for s in sections(message))
    more = f"…and {120 - shown} more suppliers. Ask `/backorders export` for the full workbook."
    assert more in texts(message)
    assert "*Total:* 1,440 units waiting on 600 lines across 120 suppliers" in sections(message)
    assert "*Supplier 000*" in texts(message)


# a SKU


def test_a_sku_shows_its_stock_and_the_oldest_waiting_customers() -> None:
    status = chain_status((waiting_line("1001", 6, 4, 2), waiting_line("1005", 1, 1, 1)), 4)
    message = sku_message(status, NOW)
    shown = texts(message)
    assert "CHAIN-11 — 11-speed chain" in shown
    for field in ("*Free stock*\n0 units", "*Waiting*\n3 units on 4 lines", "*Case pack*\n6 units"):
        assert field in shown
    assert "#1001 · 2 of 4 units waiting · 6 days\n#1005 · 1 of 1 unit waiting · 1 day" in shown
    assert "…and 2 more lines." in shown
    assert "These customers wait for Velo Parts Ltd's next purchase order." in shown


def test_a_sku_nobody_waits_for_says_so() -> None:
    message = sku_message(chain_status(), NOW)
    assert "Nobody is waiting for this SKU." in texts(message)
    assert "Oldest waiting" not in texts(message)


# an order


def test_an_order_shows_each_line_from_stock_and_waiting() -> None:
    message = order_message([order(order_line("1", "CHAIN-11", "Chain", 3, 1))], NOW)
    shown = texts(message)
    assert "Order #1002" in shown
    assert "`CHAIN-11` Chain — 3 ordered: 1 from stock, 2 waiting (Velo Parts Ltd)" in shown
    assert "*2 units still waiting.*" in shown
    assert "Ada Lovelace" in shown and "placed 2 Nov 2026 (4 days ago)" in shown
    assert "from Shopify" in shown


def test_an_order_with_nothing_waiting_is_ready_to_ship() -> None:
    message = order_message([order(order_line("1", "TUBE", "Tube", 2, 2))], NOW)
    assert "*Ready to ship.*" in sections(message)
    assert message.text == "Order #1002: Ready to ship."


def test_order_lines_the_bot_could_not_place_are_flagged_for_the_team() -> None:
    lines = (
        order_line("1", None, "Engraving", 1, 0, waiting=0, issue=LineIssue.NO_SKU),
        order_line("2", "MYSTERY", "Gift wrap", 1, 0, waiting=0, issue=LineIssue.UNKNOWN_SKU),
    )
    shown = texts(order_message([order(*lines)], NOW))
    assert "⚠️ Engraving ×1 — no SKU: the team must place this line by hand" in shown  # noqa: RUF001
    assert "⚠️ `MYSTERY` Gift wrap ×1 — SKU not in the catalog" in shown  # noqa: RUF001
    assert "*Ready to ship*, except 2 lines the team must place by hand." in shown


def test_a_cancelled_order_says_so_and_is_never_ready_to_ship() -> None:
    line = order_line("1", "TUBE", "Tube", 2, 0, waiting=0)
    shown = texts(order_message([order(line, cancelled=True)], NOW))
    assert "Order #1002 (cancelled)" in shown
    assert "Ready to ship" not in shown


def test_a_product_name_with_markup_is_shown_as_text_never_as_markup() -> None:
    line = order_line("1", "CHAIN-11", "<script>alert(1)</script> & co", 1, 1)
    message = order_message([order(line)], NOW)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in texts(message)
    assert "<script>" not in texts(message)
    assert "CHAIN-11 <script>alert(1)</script> & co — 1 ordered" in to_text(message)


# a supplier


def test_a_supplier_buffer_rounds_to_the_case_and_shows_the_overage() -> None:
    shown = texts(supplier_message(supplier(CHAIN, TUBE), NOW, DEADLINE))
    expected = "`CHAIN-11` 11-speed chain — 7 waiting → order 12 (case of 6, +5 to stock)"
    assert f"{expected} · 2.50 each · 30.00" in shown
    assert "`TUBE-700` Inner tube 700c — 3 waiting → order 3 · 1,234.50 each · 3,703.50" in shown
    assert "*Total:* order 15 units · 3,733.50 (5 units beyond demand go to stock)" in shown


def test_a_supplier_below_its_minimum_says_when_its_po_will_be_proposed() -> None:
    shown = texts(supplier_message(supplier(CHAIN, TUBE), NOW, DEADLINE))
    assert (
        "10 of 24 units towards the minimum: proposed when it reaches 24 "
        "or at the deadline (Fri 13 Nov, 15:00)." in shown
    )


def test_a_supplier_at_its_minimum_is_due_for_a_proposal() -> None:
    shown = texts(supplier_message(supplier(CHAIN, minimum=6), NOW, DEADLINE))
    assert "The buffer has reached its minimum and is due for a proposal." in shown


def test_a_supplier_without_a_minimum_waits_for_the_weekly_deadline() -> None:
    shown = texts(supplier_message(supplier(CHAIN, minimum=0), NOW, DEADLINE))
    assert "Proposed at the weekly deadline (Fri 13 Nov, 15:00)." in shown
    assert "*Minimum order*\nnone" in shown


def test_a_supplier_without_email_has_its_pos_posted_for_forwarding() -> None:
    shown = texts(supplier_message(supplier(CHAIN), NOW, DEADLINE))
    assert "no email: POs will be posted for forwarding" in shown
    shown = texts(supplier_message(supplier(CHAIN, email="orders@velo.test"), NOW, DEADLINE))
    assert "*Email*\norders@velo.test" in shown


def test_a_supplier_with_an_empty_buffer_says_nothing_waits() -> None:
    shown = texts(supplier_message(supplier(), NOW, DEADLINE))
    assert "Nothing is waiting for this supplier." in shown
    assert "Draft PO" not in shown


# the new-backorder summary


def test_a_summary_counts_new_backorders_and_groups_them_by_supplier() -> None:
    summary = BackorderSummary(
        (new("1002", "CHAIN-11", "Velo", 2, 3), new("1003", "TUBE", "Acme", 1, 5),
         new("1004", "SPOKE", "Velo", 4, 1)),
        (),
    )  # fmt: skip
    message = summary_message(summary, NOW)
    assert message.text == "3 new backorders (7 units)"
    groups = [s for s in sections(message) if s.startswith("*")]
    assert groups[0].startswith("*Acme* — 1 unit")
    assert groups[1] == (
        "*Velo* — 6 units, oldest placed today\n"
        "#1002 · `CHAIN-11` Item CHAIN-11 · 2 waiting\n#1004 · `SPOKE` Item SPOKE · 4 waiting"
    )


def test_a_summary_calls_out_lines_nobody_could_place() -> None:
    summary = BackorderSummary((new("1002", "CHAIN-11", "Velo", 2, 3),), (MYSTERY, ENGRAVING))
    message = summary_message(summary, NOW)
    shown = texts(message)
    assert "⚠️ #1003 line 2 `MYSTERY` Gift wrap ×1: SKU not in the catalog" in shown  # noqa: RUF001
    assert "⚠️ #1003 line 3 Engraving ×1: no SKU" in shown  # noqa: RUF001
    assert message.text == "1 new backorder (2 units); 2 order lines could not be placed"


def test_a_huge_summary_fits_50_blocks_and_keeps_the_unplaced_lines() -> None:
    lines = tuple(new(str(2000 + i), f"SKU-{i}", f"Supplier {i:03}", 1, i) for i in range(80))
    message = summary_message(BackorderSummary(lines, (MYSTERY,)), NOW)
    assert len(message.blocks) == 50
    assert "more suppliers. Ask `/backorders export` for the full workbook." in texts(message)
    assert "`MYSTERY` Gift wrap" in texts(message)


# usage and errors


def test_help_lists_every_subcommand_the_bot_answers_and_nothing_still_to_come() -> None:
    shown = texts(usage_message())
    for verb in sorted({*commands.ANSWERS, "receive"}):  # receive opens a modal instead
        assert f"`/backorders {verb}" in shown
    assert "`/backorders raise &lt;supplier&gt;`" in shown
    assert "soon" not in shown.lower() and "coming" not in shown.lower()
    assert USAGE in shown


def test_an_unknown_subcommand_is_named_back_with_the_usage() -> None:
    message = unknown_command_message("frobnicate <b>")
    assert message.text.startswith("I don't know `frobnicate &lt;b&gt;`.")
    assert "`/backorders sku &lt;SKU&gt;`" in texts(message)


def test_an_error_is_the_domain_s_sentence_escaped_never_a_trace() -> None:
    assert sections(error_message("No supplier called <Foo> is in the catalog.")) == [
        "No supplier called &lt;Foo&gt; is in the catalog."
    ]


# every message, within Slack's limits


def every_message() -> list[Message]:
    status = chain_status((waiting_line("1001", 6, 4, 2),))
    many = overview(*(backlog(f"S{i} <&>" * 20, i) for i in range(120)), unplaced=3)
    long_name = "Very long product name " * 200
    big_order = order(*(order_line(str(i), f"SKU-{i}", long_name[:300], 3, 1) for i in range(40)))
    summary = BackorderSummary((new("1002", "CHAIN-11", "Velo", 2, 3),), (MYSTERY, ENGRAVING))
    return [
        overview_message(overview(backlog("Velo", 4)), NOW),
        overview_message(overview(), NOW),
        overview_message(many, NOW),
        sku_message(status, NOW),
        sku_message(chain_status(), NOW),
        order_message([big_order, order(cancelled=True)], NOW),
        order_message([], NOW),
        supplier_message(supplier(CHAIN, TUBE, email="a@b.test"), NOW, DEADLINE),
        supplier_message(supplier(*[CHAIN] * 200), NOW, DEADLINE),
        supplier_message(supplier(), NOW, DEADLINE),
        summary_message(summary, NOW),
        usage_message(),
        unknown_command_message("x" * 5000),
        error_message("nope"),
    ]


@pytest.mark.parametrize("message", every_message(), ids=lambda m: m.text[:40])
def test_every_message_round_trips_through_slack_sdk_and_stays_within_limits(
    message: Message,
) -> None:
    assert_fits_slack(message)


# read back as terminal text


def test_the_overview_reads_well_in_the_terminal() -> None:
    message = overview_message(
        overview(backlog("Velo Parts Ltd", 4), backlog("Acme & Sons", 0.1, 2), unplaced=2), NOW
    )
    assert to_text(message).splitlines() == [
        "Open backorders",
        "───────────────",
        "Velo Parts Ltd — 12 units on 5 lines (3 orders), oldest waiting 4 days",
        "/backorders supplier Velo Parts Ltd for its buffer",
        "",
        "Acme & Sons — 2 units on 5 lines (3 orders), oldest placed today",
        "/backorders supplier Acme & Sons for its buffer",
        "",
        "Total: 14 units waiting on 10 lines across 2 suppliers",
        "",
        "⚠️ 2 order lines could not be placed (no SKU or unknown SKU).",
    ]


def test_a_sku_reads_its_fields_as_label_and_value_in_the_terminal() -> None:
    text = to_text(sku_message(chain_status((waiting_line("1001", 6, 4, 2),)), NOW))
    assert text.startswith("CHAIN-11 — 11-speed chain\n─────────────────────────\n")
    for line in ("Free stock: 0 units", "Waiting: 2 units on 1 line", "Supplier: Velo Parts Ltd"):
        assert line in text.splitlines()
    assert "#1001 · 2 of 4 units waiting · 6 days" in text.splitlines()
    assert "  /backorders supplier Velo Parts Ltd for its buffer" in text.splitlines()


def test_an_order_reads_line_by_line_in_the_terminal() -> None:
    lines = (
        order_line("1", "CHAIN-11", "Chain", 3, 1),
        order_line("2", "MYSTERY", "Gift wrap", 1, 0, waiting=0, issue=LineIssue.UNKNOWN_SKU),
    )
    text = to_text(order_message([order(*lines)], NOW)).splitlines()
    assert text[:3] == [
        "Order #1002",
        "───────────",
        "  Ada Lovelace · placed 2 Nov 2026 (4 days ago) · from Shopify",
    ]
    assert "CHAIN-11 Chain — 3 ordered: 1 from stock, 2 waiting (Velo Parts Ltd)" in text
    assert "⚠️ MYSTERY Gift wrap ×1 — SKU not in the catalog" in text  # noqa: RUF001
    assert "2 units still waiting; 1 line the team must place by hand." in text


def test_a_supplier_and_a_summary_read_well_in_the_terminal() -> None:
    text = to_text(supplier_message(supplier(CHAIN, email="a@b.test"), NOW, DEADLINE))
    assert "Email: a@b.test" in text.splitlines()
    chain = "CHAIN-11 11-speed chain — 7 waiting → order 12 (case of 6, +5 to stock)"
    assert f"{chain} · 2.50 each · 30.00" in text.splitlines()
    summary = BackorderSummary((new("1002", "CHAIN-11", "Velo", 2, 3),), (ENGRAVING,))
    text = to_text(summary_message(summary, NOW))
    assert text.startswith("1 new backorder (2 units)\n─────────────────────────\n")
    assert "#1002 · CHAIN-11 Item CHAIN-11 · 2 waiting" in text.splitlines()
    assert "⚠️ #1003 line 3 Engraving ×1: no SKU" in text.splitlines()  # noqa: RUF001


def test_usage_reads_well_in_the_terminal() -> None:
    text = to_text(unknown_command_message("xyz")).splitlines()
    assert text[0] == "I don't know xyz."
    assert "/backorders sku <SKU> — free stock and the customers waiting for a SKU" in text
