"""`/backorders pos` and the PO's thread: open purchase orders listed, notes under a PO."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from decimal import Decimal

from domain.purchasing import OPEN_STATUSES, PoStatus, PurchaseOrderView
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
from handlers.blocks.po_times import local, span, stamp, weekday

MORE_POS = "…and {n} more purchase order{s}."


def _po_row(po: PurchaseOrderView, now: datetime, tz: tzinfo) -> str:
    """One open PO: what it is, where it stands, its units and cost."""
    amount = f"{units(po.units)} · {money(po.total)}"
    supplier = escape(po.supplier)
    if po.status is PoStatus.PROPOSED:
        waiting = f"waiting for approval for {span(po.proposed_at, now)}"
        return f"*Proposal* · {supplier} · {waiting} · {amount}"
    if po.status is PoStatus.HELD:
        until = f"until {stamp(po.hold_until, tz)}" if po.hold_until else "until the deadline"
        return f"*Held* · {supplier} · {until} · {amount}"
    number = bold(po.number or "PO")
    if po.sent_at is None:
        since = po.approved_at or po.proposed_at
        return f"{number} · {supplier} · approved {span(since, now)} ago, not sent yet · {amount}"
    where = f"sent {ago(po.sent_at, local(now, tz))}"
    if po.expected_at is not None:
        where += f" · expected {weekday(po.expected_at, tz)}"
        late = days_between(po.expected_at, local(now, tz))
        where += f" · {WARNING} {plural(late, 'day')} late" if late else ""
    return f"{number} · {supplier} · {where} · {amount}"


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


def po_thread_note(text: str) -> Message:
    """A line in the PO's thread: the workbook, the email, what to forward."""
    return build(text, [section(escape(text))])
