"""The allocation rules on plain values: what a line takes from stock and what it leaves waiting."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from domain.allocation import fill_waiting, is_stale, plan_cancellation, plan_order, resize_line
from domain.model import LineIssue, LineState, OrderState, StockLevel
from domain.purchasing import BufferLine, round_to_case
from tests.support.builders import T0, minutes, order


def stock(**levels: int) -> dict[str, StockLevel]:
    return {sku: StockLevel(i, sku, n) for i, (sku, n) in enumerate(levels.items(), 1)}


def test_a_line_takes_free_stock_and_the_shortfall_waits() -> None:
    plan = plan_order(order("1", ("A", 5)), None, stock(A=3))
    [line] = plan.lines
    assert (line.allocated, line.waiting) == (3, 2)
    assert plan.stock_taken == {1: 3}


def test_two_lines_of_one_sku_share_the_same_free_stock() -> None:
    plan = plan_order(order("1", ("A", 2), ("A", 2)), None, stock(A=3))
    assert [(line.allocated, line.waiting) for line in plan.lines] == [(2, 0), (1, 1)]
    assert plan.stock_taken == {1: 3}


def test_lines_without_sku_or_with_unknown_sku_are_kept_and_flagged() -> None:
    plan = plan_order(order("1", (None, 2), ("NOPE", 1)), None, stock(A=3))
    assert [line.issue for line in plan.lines] == [LineIssue.NO_SKU, LineIssue.UNKNOWN_SKU]
    assert [line.quantity for line in plan.lines] == [2, 1]
    assert plan.stock_taken == {}


def test_lowering_a_line_gives_up_waiting_units_before_allocated_ones() -> None:
    line = LineState("1", "A", 5, allocated=3, waiting=2)
    assert resize_line(line, 4, free=0) == 0
    assert (line.allocated, line.waiting) == (3, 1)
    assert resize_line(line, 1, free=0) == -2
    assert (line.allocated, line.waiting) == (1, 0)


def test_a_cancelled_order_returns_its_stock_and_stops_waiting_but_keeps_quantities() -> None:
    existing = OrderState(7, "1", T0, T0, False, {"1": LineState("1", "A", 5, 3, 2, product_id=1)})
    plan = plan_cancellation(existing, stock(A=0))
    [line] = plan.lines
    assert (line.quantity, line.allocated, line.waiting) == (5, 0, 0)
    assert plan.stock_taken == {1: -3}
    assert plan.returned_product_ids == [1]


def test_a_line_missing_from_a_newer_version_is_released() -> None:
    existing = OrderState(7, "1", T0, T0, False, {"9": LineState("9", "A", 2, 2, 0, product_id=1)})
    plan = plan_order(order("1", ("A", 1), updated=T0 + minutes(1)), existing, stock(A=0))
    released = next(line for line in plan.lines if line.line_ref == "9")
    assert (released.quantity, released.allocated) == (0, 0)


def test_an_older_version_is_stale_and_one_of_the_same_second_only_when_less_far_along() -> None:
    existing = OrderState(7, "1", T0, T0 + minutes(5), False, stage=2)
    same_second = order("1", ("A", 1), updated=T0 + minutes(5))
    assert is_stale(order("1", ("A", 1), updated=T0 + minutes(4)), existing)
    assert is_stale(replace(same_second, stage=1), existing)  # e.g. on-hold after processing
    assert not is_stale(replace(same_second, stage=2), existing)  # the same stage: came later
    assert not is_stale(replace(same_second, stage=3), existing)
    assert not is_stale(order("1", ("A", 1), updated=T0 + minutes(6)), existing)
    assert not is_stale(replace(same_second, cancelled=True), existing)


def test_arriving_stock_fills_waiting_lines_oldest_first_and_stops_when_gone() -> None:
    lines = [LineState(str(i), "A", 3, 0, 3) for i in range(3)]
    fills = fill_waiting(4, lines)
    assert [(line.line_ref, units) for line, units in fills] == [("0", 3), ("1", 1)]
    assert [line.waiting for line in lines] == [0, 2, 3]


def test_buffer_quantities_round_up_to_the_case_pack_and_show_the_overage() -> None:
    assert [round_to_case(n, 6) for n in (0, 1, 6, 7)] == [0, 6, 6, 12]
    line = BufferLine("A", "Tube", 7, 3, 6, unit_cost=Decimal("2.00"))
    assert (line.order_qty, line.overage, line.cost) == (12, 5, 24)
