"""Purchasing rules on plain values: what a buffer orders, and when it is due."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from domain.purchasing import PoItem, PoLine, round_to_case


@dataclass(frozen=True)
class DemandLine:
    """A product's uncovered demand: waiting units not already on an approved or sent PO."""

    product_id: int
    sku: str
    name: str
    uncovered: int
    case_pack: int
    unit_cost: Decimal


@dataclass(frozen=True)
class SupplierTerms:
    supplier_id: int
    name: str
    email: str | None
    lead_time_days: int
    min_order_qty: int


@dataclass(frozen=True)
class BufferState:
    """A supplier's uncovered demand and what is open for it."""

    terms: SupplierTerms
    uncovered: int
    open_po_id: int | None
    open_status: str | None
    hold_until: datetime | None


def draft_lines(demand: list[DemandLine], adjusted: dict[int, int]) -> list[tuple[int, PoLine]]:
    """(product id, line) per product: demand rounded up to the case pack, or as adjusted."""
    lines = []
    for item in demand:
        if item.uncovered <= 0 and item.product_id not in adjusted:
            continue
        quantity = adjusted.get(item.product_id, round_to_case(item.uncovered, item.case_pack))
        line = PoLine(item.sku, item.name, item.uncovered, quantity, item.case_pack, item.unit_cost)
        lines.append((item.product_id, line))
    return lines


def adjusted_quantity(entered: int, case_pack: int) -> int:
    """What an adjusted line orders: the entry rounded up to whole cases (0 drops the line)."""
    if entered < 0:
        raise ValueError("a quantity can't be below zero")
    return round_to_case(entered, case_pack)


def due_at_minimum(buffer: BufferState) -> bool:
    """An early raise: the minimum is set and reached, and nothing is open or on hold."""
    terms = buffer.terms
    if buffer.open_po_id is not None:
        return False
    return terms.min_order_qty > 0 and buffer.uncovered >= terms.min_order_qty


def taken_in(items: list[PoItem], demand: list[DemandLine]) -> list[PoItem]:
    """A person's lines with the demand that arrived since: each line keeps what the person
    left short, its overage covers new units first, the rest is rounded up to cases."""
    current = {d.product_id: d for d in demand}
    kept = {item.product_id for item in items}
    result = []
    for item in items:
        now = current.get(item.product_id)
        extra = max(now.uncovered - item.demand, 0) if now else 0
        spare = max(item.quantity - item.demand, 0)
        more = round_to_case(max(extra - spare, 0), item.case_pack)
        demand_now = now.uncovered if now else item.demand
        result.append(_with(item, demand_now, item.quantity + more))
    for d in demand:
        if d.product_id not in kept and d.uncovered > 0:
            quantity = round_to_case(d.uncovered, d.case_pack)
            result.append(
                PoItem(d.product_id, d.sku, d.name, d.uncovered, quantity, d.case_pack, d.unit_cost)
            )
    return result


def _with(item: PoItem, demand: int, quantity: int) -> PoItem:
    return replace(item, demand=demand, quantity=quantity, adjusted=True)
