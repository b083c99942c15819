"""What customers are owed, decided on plain values: which notices are due now.

A customer hears three things about the lines of an order that wait: that they are
backordered (with their expected dates, once the order has settled for a while), that a date
moved past its promise or slipped by more than a margin since they were last told (with the
choice to keep waiting or cancel), and that what waited is on its way. Never two notices of one
kind for the same lines and date; nothing to test orders, orders without an address, or people
who asked for no more.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta


class NoticeKind(enum.StrEnum):
    BACKORDERED = "backordered"
    DELAYED = "delayed"
    ON_ITS_WAY = "on_its_way"


class Mode(enum.StrEnum):
    """What the team wants for a kind: sent at once, approved first, or not sent at all."""

    AUTO = "auto"
    APPROVE = "approve"
    OFF = "off"


class Reason(enum.StrEnum):
    """Why a date moved, as the customer reads it."""

    SHIPMENT_LATE = "our supplier's shipment is late"
    NOT_YET_SHIPPED = "our supplier needs longer than we expected"


@dataclass(frozen=True)
class LineFacts:
    """One line of an order as the notices see it: what waits now and when it is expected."""

    line_id: int
    waiting: int  # units waiting now
    backordered: int  # units that ever waited (0: the line never waited)
    cancelled: bool = False
    expected_on: date | None = None
    promised_by: date | None = None
    on_po: bool = False  # covered by a PO already sent or approved


@dataclass(frozen=True)
class OrderFacts:
    order_id: int
    arrived_at: datetime  # when the bot first had the order: notice_delay counts from here
    email: str | None
    lines: tuple[LineFacts, ...]
    is_test: bool = False
    cancelled: bool = False
    opted_out: bool = False


@dataclass(frozen=True)
class PastNotice:
    """A notice already written for the order (whatever became of it)."""

    kind: NoticeKind
    line_ids: frozenset[int]
    about_date: date | None
    told: bool = True  # False when it was skipped or cancelled: the customer heard nothing


@dataclass(frozen=True)
class NoticePolicy:
    delay: timedelta = timedelta(minutes=10)
    modes: Mapping[NoticeKind, Mode] = field(default_factory=dict)
    slip_margin: timedelta = timedelta(days=7)
    partial: bool = False  # the ship policy: any filled line ships (True) or all (False)

    def mode(self, kind: NoticeKind) -> Mode:
        return self.modes.get(kind, Mode.APPROVE)


@dataclass(frozen=True)
class NoticeIntent:
    """A notice that is due: its kind, the order and lines it is about, the date it states."""

    kind: NoticeKind
    order_id: int
    line_ids: tuple[int, ...]
    about_date: date | None
    reason: Reason | None = None

    @property
    def lines_key(self) -> str:
        return lines_key(self.line_ids)


def lines_key(line_ids: Iterable[int]) -> str:
    """The lines a notice is about, as one stable key ("12,15")."""
    return ",".join(str(i) for i in sorted(set(line_ids)))


def may_hear(order: OrderFacts) -> bool:
    """Whether this customer may be told anything at all."""
    return bool(order.email) and not (order.is_test or order.cancelled or order.opted_out)


def due_notices(
    order: OrderFacts, past: Iterable[PastNotice], now: datetime, policy: NoticePolicy
) -> list[NoticeIntent]:
    """The notices this order's customer is owed now, none already written."""
    if not may_hear(order) or now < order.arrived_at + policy.delay:
        return []
    history = list(past)
    due = [
        _backordered(order, history),
        _delayed(order, history, policy),
        _on_its_way(order, history, policy),
    ]
    return [
        intent
        for intent in due
        if intent is not None
        and policy.mode(intent.kind) is not Mode.OFF
        and not _written(intent, history)
    ]


def _waiting(order: OrderFacts) -> list[LineFacts]:
    return [line for line in order.lines if line.waiting > 0 and not line.cancelled]


def _told_lines(
    history: list[PastNotice], *kinds: NoticeKind, heard_only: bool = False
) -> set[int]:
    """Lines named by notices of these kinds (only those that went out, with `heard_only`)."""
    return {
        i
        for notice in history
        if notice.kind in kinds and (notice.told or not heard_only)
        for i in notice.line_ids
    }


def _backordered(order: OrderFacts, history: list[PastNotice]) -> NoticeIntent | None:
    """Lines that wait and were never announced; a line already past its promise is the
    delay notice's (it offers the choice)."""
    announced = _told_lines(history, NoticeKind.BACKORDERED, NoticeKind.DELAYED)
    fresh = [
        line
        for line in _waiting(order)
        if line.line_id not in announced and not _past_promise(line)
    ]
    if not fresh:
        return None
    dates = [line.expected_on for line in fresh if line.expected_on is not None]
    ids = tuple(sorted(line.line_id for line in fresh))
    return NoticeIntent(NoticeKind.BACKORDERED, order.order_id, ids, max(dates, default=None))


def _delayed(
    order: OrderFacts, history: list[PastNotice], policy: NoticePolicy
) -> NoticeIntent | None:
    """Lines whose date passed their promise (first time), or slipped by more than the margin
    since the date the customer was last told."""
    late = [line for line in _waiting(order) if _slipped(line, history, policy.slip_margin)]
    if not late:
        return None
    expected = max(line.expected_on for line in late if line.expected_on is not None)
    reason = Reason.SHIPMENT_LATE if any(x.on_po for x in late) else Reason.NOT_YET_SHIPPED
    ids = tuple(sorted(line.line_id for line in late))
    return NoticeIntent(NoticeKind.DELAYED, order.order_id, ids, expected, reason)


def _slipped(line: LineFacts, history: list[PastNotice], margin: timedelta) -> bool:
    if line.expected_on is None:
        return False
    told = _last_told_date(line.line_id, history)
    if _past_promise(line) and not _delay_past_promise_written(line, history):
        return True
    return told is not None and line.expected_on > told + margin


def _delay_past_promise_written(line: LineFacts, history: list[PastNotice]) -> bool:
    """Whether a delay notice already named a date past this line's promise (whatever became
    of it: one the team skipped is not asked again). A delay told while the date was still
    within the promise does not count: crossing the promise is news the customer is owed."""
    return any(
        notice.kind is NoticeKind.DELAYED
        and line.line_id in notice.line_ids
        and (
            notice.about_date is None
            or line.promised_by is None
            or notice.about_date > line.promised_by
        )
        for notice in history
    )


def _last_told_date(line_id: int, history: list[PastNotice]) -> date | None:
    """The latest date the customer heard for this line (from a notice that went out)."""
    dates = [
        notice.about_date
        for notice in history
        if notice.told
        and notice.about_date is not None
        and line_id in notice.line_ids
        and notice.kind in (NoticeKind.BACKORDERED, NoticeKind.DELAYED)
    ]
    return max(dates, default=None)


def _past_promise(line: LineFacts) -> bool:
    return (
        line.expected_on is not None
        and line.promised_by is not None
        and line.expected_on > line.promised_by
    )


def _on_its_way(
    order: OrderFacts, history: list[PastNotice], policy: NoticePolicy
) -> NoticeIntent | None:
    """Lines the customer heard were waiting, now filled: all of them (complete policy), or
    whichever are filled (partial)."""
    heard = _told_lines(history, NoticeKind.BACKORDERED, NoticeKind.DELAYED, heard_only=True)
    gone = _told_lines(history, NoticeKind.ON_ITS_WAY)
    lines = [
        line
        for line in order.lines
        if line.line_id in heard and line.line_id not in gone and not line.cancelled
    ]
    filled = [line for line in lines if line.waiting == 0]
    if not filled or (not policy.partial and len(filled) < len(lines)):
        return None
    ids = tuple(sorted(line.line_id for line in filled))
    return NoticeIntent(NoticeKind.ON_ITS_WAY, order.order_id, ids, order.arrived_at.date())


def _written(intent: NoticeIntent, history: list[PastNotice]) -> bool:
    """The same kind, lines and date were written before (whatever became of it)."""
    ids = frozenset(intent.line_ids)
    return any(
        notice.kind is intent.kind
        and notice.line_ids == ids
        and notice.about_date == intent.about_date
        for notice in history
    )


def still_holds(
    kind: NoticeKind, line_ids: Iterable[int], about: date | None, order: OrderFacts
) -> bool:
    """Whether a notice written earlier still tells the truth now (checked when the team sends
    it): its lines still wait, a delay still stands (not moved back within the promise), and
    what is on its way is still filled (not cancelled or cut since)."""
    if not may_hear(order):
        return False
    wanted = set(line_ids)
    if kind is NoticeKind.ON_ITS_WAY:
        named = [line for line in order.lines if line.line_id in wanted]
        return bool(named) and all(line.waiting == 0 and not line.cancelled for line in named)
    waiting = [line for line in _waiting(order) if line.line_id in wanted]
    if kind is NoticeKind.BACKORDERED:
        return bool(waiting)
    return any(_still_late(line, about) for line in waiting)


def _still_late(line: LineFacts, about: date | None) -> bool:
    """Past its promise, or expected no sooner than the date the notice states."""
    if line.expected_on is None:
        return True  # nothing says it came back: the notice stands
    return _past_promise(line) or (about is not None and line.expected_on >= about)
