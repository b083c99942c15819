"""`/backorders pos` and the PO's thread: open purchase orders listed, notes under a PO."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from decimal import Decimal

from domain.purchasing import OPEN_STATUSES, PoState, PurchaseOrderView
from handlers.blocks.formatting import (
    WARNING,
    ago,
    bold,
    code,
    days_between,
    escape,
    money,
    plural,
    units,
)
from handlers.blocks.message import Message, build, context, header, section
from handlers.blocks.po_times import local, span, stamp, weekday, who

MORE_POS = "…and {n} more purchase order{s}."


def _po_row(po: PurchaseOrderView, now: datetime, tz: tzinfo) -> str:
    """One open PO: what it is, where it stands, its units and cost."""
    amount = f"{units(po.units)} · {money(po.total)}"
    supplier = escape(po.supplier)
    if po.state is PoState.PROPOSED:
        waiting = f"waiting for approval for {span(po.proposed_at, now)}"
        return f"*Proposal* · {supplier} · {waiting} · {amount}"
    if po.state is PoState.HELD:
        until = f"until {stamp(po.hold_until, tz)}" if po.hold_until else "until the deadline"
        return f"*Held* · {supplier} · {until} · {amount}"
    number = bold(po.number or "PO")
    if po.state is PoState.APPROVED:
        since = po.approved_at or po.proposed_at
        where = f"approved {span(since, now)} ago, not sent yet"
        if po.in_doubt is not None:
            where += f" · {WARNING} the email may have gone: check with the supplier"
        return f"{number} · {supplier} · {where} · {amount}"
    return f"{number} · {supplier} · {_on_its_way(po, now, tz)} · {amount}"


def _on_its_way(po: PurchaseOrderView, now: datetime, tz: tzinfo) -> str:
    """Sent (when, expected when, how late), and what has arrived of it so far."""
    where = f"sent {ago(po.sent_at, local(now, tz))}" if po.sent_at else "on its way"
    if po.state is PoState.PARTLY_RECEIVED:
        where = (
            f"*partly received*: {po.received_units:,} of {units(po.units)} arrived, "
            f"{po.outstanding_units:,} outstanding · {where}"
        )
    if po.expected_at is not None:
        where += f" · expected {weekday(po.expected_at, tz)}"
        late = days_between(po.expected_at, local(now, tz))
        where += f" · {WARNING} {plural(late, 'day')} late" if late else ""
    return where


def _opened(po: PurchaseOrderView) -> datetime:
    return local(po.proposed_at, UTC)


def po_list_message(pos: list[PurchaseOrderView], now: datetime, tz: tzinfo) -> Message:
    """`/backorders pos`: open purchase orders, the oldest first."""
    title = header("Open purchase orders")
    shown = sorted(
        (po for po in pos if po.status in OPEN_STATUSES), key=lambda p: (_opened(p), p.po_id)
    )
    if not shown:
        hint = f"No open purchase orders. {code('/backorders raise <supplier>')} proposes one now."
        return build("No open purchase orders.", [title, section(hint)])
    total = sum((po.total for po in shown), start=Decimal(0))
    summary = (
        f"{plural(len(shown), 'open purchase order')}: "
        f"{units(sum(po.units for po in shown))} · {money(total)}"
    )
    rows = [section(_po_row(po, now, tz)) for po in shown]
    return build(summary, [title, *rows], overflow=MORE_POS, footer=[context(summary)])


def po_thread_note(text: str, by: str | None = None, then: str = "") -> Message:
    """A line in the PO's thread: the workbook, the email, what to forward; `by`, the person
    who did it, mentioned after it ("📤 Marked sent by @ann."), and `then` after that."""
    shown = escape(text) + (f" by {who(by)}." if by else "") + (f" {escape(then)}" if then else "")
    return build(
        text + (f" by {by}." if by else "") + (f" {then}" if then else ""), [section(shown)]
    )
