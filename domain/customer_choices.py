"""A customer's answer from their journey page: keep waiting, cancel what waits, or no more
emails. Keep waiting and no more emails are done once, however often the form is sent.

Cancelling takes back the units waiting for the supplier at the time of each cancel: units
already set aside from stock stay with the order and ship (the page says so). A cancel that finds
units the store added since the last one drops those too; one that finds nothing waiting changes
nothing, and the team hears only of cancels that dropped something.
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
    first_time: bool  # False: this choice was made before
    cancelled: tuple[tuple[str, int], ...] = ()  # (SKU, units) this answer stopped waiting for


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
    """Do what the customer asks and record it; None for an unknown order. A cancel drops what
    waits now, every time; the other choices are done once."""
    with uow:
        order = choices.lock_order(order_id)
        if order is None:
            return None
        first_time = not choices.chosen(order_id, choice.value)
        cancelled: tuple[tuple[str, int], ...] = ()
        if choice is Choice.CANCEL:
            cancelled = _cancel(uow, choices, order_id, order, now, channel)
        elif not first_time:
            return ChoiceResult(choice, first_time=False)
        if choice is Choice.OPT_OUT:
            choices.opt_out(order_id, now)
        if first_time or cancelled:
            choices.record(order_id, choice.value, now, fingerprint)
        uow.commit()
    return ChoiceResult(choice, first_time, cancelled)


def _cancel(
    uow: UnitOfWork,
    choices: CustomerChoices,
    order_id: int,
    order: OrderForChoice,
    now: datetime,
    channel: str,
) -> tuple[tuple[str, int], ...]:
    """Drop what waits now; the team hears of it only when something was dropped (a test
    order never waits, so it is never heard of)."""
    uow.stock.lock(choices.skus(order_id))  # order, products, then lines: no deadlock
    cancelled = _drop_waiting(uow, order_id, order.placed_at, now)
    if cancelled:
        facts = {"order_id": order_id, "number": order.number, "lines": cancelled}
        uow.outbox.add(Notice(ORDERS_CUSTOMER_CANCELLED, channel, facts), now)
    return cancelled


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
    if dropped:
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
