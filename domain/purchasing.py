"""Purchasing rules: a supplier's buffer of waiting units, rounded to what can be bought."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


def round_to_case(units: int, case_pack: int) -> int:
    """The smallest multiple of `case_pack` that covers `units`."""
    if units <= 0:
        return 0
    pack = max(case_pack, 1)
    return -(-units // pack) * pack


@dataclass(frozen=True)
class BufferLine:
    """One product of a supplier's buffer: what customers wait for and what would be ordered."""

    sku: str
    name: str
    waiting_units: int
    waiting_lines: int
    case_pack: int
    unit_cost: Decimal

    @property
    def order_qty(self) -> int:
        return round_to_case(self.waiting_units, self.case_pack)

    @property
    def overage(self) -> int:
        """Units bought beyond demand because of the case pack; they go to stock on arrival."""
        return self.order_qty - self.waiting_units

    @property
    def cost(self) -> Decimal:
        return self.unit_cost * self.order_qty
