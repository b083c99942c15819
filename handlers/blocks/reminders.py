"""The reminder before the weekly PO deadline."""

from __future__ import annotations

from datetime import datetime, tzinfo

from domain.purchasing import PoStatus, PurchaseOrderView
from handlers.blocks.formatting import bold, escape, plural, units
from handlers.blocks.message import Message, build, context, fit_lines, header, section
from handlers.blocks.purchasing import stamp


def reminder_message(
    deadline_at: datetime,
    due: list[tuple[str, int]],
    waiting: list[PurchaseOrderView],
    tz: tzinfo,
) -> Message:
    """What the deadline will propose, and the proposals still waiting for an approver."""
    when = stamp(deadline_at, tz)
    blocks = [header(f"PO deadline {when}")]
    if due:
        lines = [f"{bold(escape(name))}: {units(n)} waiting" for name, n in due]
        blocks.append(section("*Will be proposed at the deadline*\n" + fit_lines(lines)))
    if waiting:
        lines = [_waiting_line(po, tz) for po in waiting]
        blocks.append(section("*Still waiting for an approver*\n" + fit_lines(lines)))
    if not due and not waiting:
        blocks.append(section("Nothing is waiting: the deadline will have nothing to propose."))
    blocks.append(context("Approve, adjust or hold the proposals in their messages above."))
    text = (
        f"PO deadline {when}: {plural(len(due), 'buffer')} to propose, "
        f"{len(waiting):,} awaiting approval"
    )
    return build(text, blocks)


def _waiting_line(po: PurchaseOrderView, tz: tzinfo) -> str:
    state = "held" if po.status == PoStatus.HELD else f"proposed {stamp(po.proposed_at, tz)}"
    return f"{bold(escape(po.supplier))}: {units(po.units)} · {state}"
