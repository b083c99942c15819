"""A customer's answer from their journey page: keep waiting, cancel what waits, or no more
emails. Each is done once, however often the form is sent.

Cancelling takes back only the units still waiting for the supplier: units already set aside
from stock stay with the order and ship (the page says so), and the team hears of it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.allocation import OrderPlan, resize_line
from domain.model import LineState
from domain.notifications import ORDERS_CUSTOMER_CANCELLED, Notice
from domain.ports import UnitOfWork
from domain.services import save_plan


class Choice(enum.StrEnum):
    KEEP_WAITING = "keep_waiting"
    CANCEL = "cancel"
    OPT_OUT = "opt_out"


@dataclass(frozen=True)
class OrderForChoice:
    number: str
    placed_at: datetime
    cancelled: bool


@dataclass(frozen=True)
class ChoiceResult:
    choice: Choice
    first_time: bool  # False: this choice was made before and nothing changed now
    cancelled: tuple[tuple[str, int], ...] = ()  # (SKU, units) no longer waited for


class CustomerChoices(Protocol):
    def lock_order(self, order_id: int) -> OrderForChoice | None:
        """The order, locked until commit; None when there is no such order."""

    def skus(self, order_id: int) -> list[str]:
        """The SKUs of the order's lines, read without locks (to lock their stock first)."""

    def chosen(self, order_id: int, choice: str) -> bool: ...

    def record(self, order_id: int, choice: str, at: datetime, fingerprint: str) -> None: ...

    def opt_out(self, order_id: int, at: datetime) -> None: ...


def choose(
    uow: UnitOfWork,
    choices: CustomerChoices,
    order_id: int,
    choice: Choice,
    now: datetime,
    fingerprint: str,
    channel: str,
) -> ChoiceResult | None:
    """Record the customer's choice once and do what it asks; None for an unknown order."""
    with uow:
        order = choices.lock_order(order_id)
        if order is None:
            return None
        if choices.chosen(order_id, choice.value):
            return ChoiceResult(choice, first_time=False)
        cancelled: tuple[tuple[str, int], ...] = ()
        if choice is Choice.CANCEL:
            uow.stock.lock(choices.skus(order_id))  # order, products, then lines: no deadlock
            cancelled = _drop_waiting(uow, order_id, order.placed_at, now)
            facts = {"order_id": order_id, "number": order.number, "lines": cancelled}
            uow.outbox.add(Notice(ORDERS_CUSTOMER_CANCELLED, channel, facts), now)
        if choice is Choice.OPT_OUT:
            choices.opt_out(order_id, now)
        choices.record(order_id, choice.value, now, fingerprint)
        uow.commit()
    return ChoiceResult(choice, True, cancelled)


def _drop_waiting(
    uow: UnitOfWork, order_id: int, placed_at: datetime, now: datetime
) -> tuple[tuple[str, int], ...]:
    """Take the order's waiting units out of demand; stock set aside for it stays."""
    lines = uow.orders.lock_lines(order_id)
    plan = OrderPlan(lines=[])
    dropped: list[tuple[str, int]] = []
    for line in lines.values():
        if line.waiting <= 0 or line.cancelled_at is not None:
            continue
        dropped.append((line.sku or line.name, line.waiting))
        _give_up_waiting(line, now)
        plan.lines.append(line)
    save_plan(uow, order_id, placed_at, plan)
    return tuple(dropped)


def _give_up_waiting(line: LineState, now: datetime) -> None:
    """A line with nothing set aside is cancelled as a person cancels it (it stays so); one
    partly set aside keeps its quantity, so the store's later versions keep its demand at
    what it holds (the dropped units count as dealt with)."""
    if line.allocated == 0:
        line.quantity = 0
        line.cancelled_at = now
    resize_line(line, line.allocated, 0)
