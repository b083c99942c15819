"""Which notices a customer is owed, on plain values: the rules of domain.customer_notices."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from domain.customer_notices import (
    LineFacts,
    Mode,
    NoticeIntent,
    NoticeKind,
    NoticePolicy,
    OrderFacts,
    PastNotice,
    Reason,
    due_notices,
    lines_key,
    still_holds,
)

ORDERED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LATER = ORDERED + timedelta(minutes=11)
POLICY = NoticePolicy(delay=timedelta(minutes=10))
BACKORDERED, DELAYED, ON_ITS_WAY = NoticeKind.BACKORDERED, NoticeKind.DELAYED, NoticeKind.ON_ITS_WAY


def waiting(line_id: int = 1, expected: date = date(2026, 11, 20), **kw: object) -> LineFacts:
    facts = {"waiting": 2, "backordered": 2, "expected_on": expected}
    facts.update(promised_by=date(2026, 12, 2))
    facts.update(kw)
    return LineFacts(line_id, **facts)  # type: ignore[arg-type]


def order(*lines: LineFacts, **kw: object) -> OrderFacts:
    facts: dict[str, object] = {"email": "ann@example.com"}
    facts.update(kw)
    return OrderFacts(7, ORDERED, lines=lines, **facts)  # type: ignore[arg-type]


def told(intent: NoticeIntent, heard: bool = True) -> PastNotice:
    return PastNotice(intent.kind, frozenset(intent.line_ids), intent.about_date, heard)


def test_a_waiting_line_is_announced_after_the_delay_with_its_expected_date() -> None:
    assert due_notices(order(waiting()), [], ORDERED + timedelta(minutes=5), POLICY) == []
    due = due_notices(order(waiting(1), waiting(2, date(2026, 11, 25))), [], LATER, POLICY)
    assert due == [NoticeIntent(BACKORDERED, 7, (1, 2), date(2026, 11, 25))]
    assert due[0].lines_key == "1,2" == lines_key([2, 1])


def test_a_cancellation_or_a_restock_within_the_delay_makes_no_noise() -> None:
    restocked = order(waiting(waiting=0))
    assert due_notices(restocked, [], LATER, POLICY) == []
    assert due_notices(order(waiting(), cancelled=True), [], LATER, POLICY) == []
    assert due_notices(order(waiting(cancelled=True)), [], LATER, POLICY) == []


def test_the_same_lines_and_date_are_never_announced_twice() -> None:
    first = due_notices(order(waiting()), [], LATER, POLICY)
    assert due_notices(order(waiting()), [told(first[0])], LATER, POLICY) == []
    # Nor after staff skipped it: the team decided, the job does not ask again.
    assert due_notices(order(waiting()), [told(first[0], heard=False)], LATER, POLICY) == []


def test_test_orders_orders_without_email_and_opted_out_customers_hear_nothing() -> None:
    for quiet in (
        order(waiting(), is_test=True),
        order(waiting(), email=None),
        order(waiting(), email=""),
        order(waiting(), opted_out=True),
    ):
        assert due_notices(quiet, [], LATER, POLICY) == []


def test_an_expected_date_past_the_promise_makes_one_delay_notice_with_a_reason() -> None:
    first = due_notices(order(waiting()), [], LATER, POLICY)[0]
    late = waiting(expected=date(2026, 12, 9), on_po=True)
    due = due_notices(order(late), [told(first)], LATER, POLICY)
    assert due == [NoticeIntent(DELAYED, 7, (1,), date(2026, 12, 9), Reason.SHIPMENT_LATE)]
    assert due_notices(order(late), [told(first), told(due[0])], LATER, POLICY) == []


def test_a_line_late_from_the_start_gets_the_delay_notice_not_the_backordered_one() -> None:
    late = waiting(expected=date(2026, 12, 9))
    due = due_notices(order(late), [], LATER, POLICY)
    assert [(d.kind, d.reason) for d in due] == [(DELAYED, Reason.NOT_YET_SHIPPED)]


def test_a_slip_beyond_the_margin_since_the_last_notice_is_told_a_smaller_one_is_not() -> None:
    first = due_notices(order(waiting()), [], LATER, POLICY)[0]
    small = waiting(expected=date(2026, 11, 25))
    assert due_notices(order(small), [told(first)], LATER, POLICY) == []
    big = waiting(expected=date(2026, 11, 28))
    assert [d.kind for d in due_notices(order(big), [told(first)], LATER, POLICY)] == [DELAYED]


def test_a_date_that_crosses_the_promise_after_a_smaller_delay_is_told_again() -> None:
    first = due_notices(order(waiting()), [], LATER, POLICY)[0]
    slipped = waiting(expected=date(2026, 11, 30))  # a week and more later, within the promise
    delay = due_notices(order(slipped), [told(first)], LATER, POLICY)[0]
    assert (delay.kind, delay.about_date) == (DELAYED, date(2026, 11, 30))
    crossed = waiting(expected=date(2026, 12, 3))  # a day, not the margin, but past 2 December
    due = due_notices(order(crossed), [told(first), told(delay)], LATER, POLICY)
    assert [(d.kind, d.about_date) for d in due] == [(DELAYED, date(2026, 12, 3))]
    # Told once past the promise: later small slips wait for the margin, as before.
    later = waiting(expected=date(2026, 12, 5))
    assert due_notices(order(later), [told(first), told(delay), told(due[0])], LATER, POLICY) == []


def test_filled_lines_are_on_their_way_once_all_of_them_complete_policy() -> None:
    first = due_notices(order(waiting(1), waiting(2)), [], LATER, POLICY)[0]
    half = order(waiting(1, waiting=0), waiting(2))
    assert due_notices(half, [told(first)], LATER, POLICY) == []
    partial = replace(POLICY, partial=True)
    assert [d.line_ids for d in due_notices(half, [told(first)], LATER, partial)] == [(1,)]
    done = order(waiting(1, waiting=0), waiting(2, waiting=0))
    due = due_notices(done, [told(first)], LATER, POLICY)
    assert [(d.kind, d.line_ids) for d in due] == [(ON_ITS_WAY, (1, 2))]
    assert due_notices(done, [told(first), told(due[0])], LATER, POLICY) == []


def test_no_on_its_way_for_lines_the_customer_never_heard_were_waiting() -> None:
    skipped = told(due_notices(order(waiting()), [], LATER, POLICY)[0], heard=False)
    assert due_notices(order(waiting(waiting=0)), [skipped], LATER, POLICY) == []


def test_a_kind_set_off_is_never_due() -> None:
    off = replace(POLICY, modes={BACKORDERED: Mode.OFF})
    assert due_notices(order(waiting()), [], LATER, off) == []


def test_on_its_way_no_longer_holds_once_a_line_it_names_is_cancelled_or_waits_again() -> None:
    filled = waiting(1, waiting=0)
    assert still_holds(ON_ITS_WAY, [1], ORDERED.date(), order(filled))
    assert not still_holds(ON_ITS_WAY, [1], ORDERED.date(), order(replace(filled, cancelled=True)))
    assert not still_holds(ON_ITS_WAY, [1], ORDERED.date(), order(waiting(1)))
