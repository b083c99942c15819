"""Where a PO stands, on its card: the state line, a sending in doubt, and the buttons each
state offers. Driven by the PO's business state (`PoState`), not its stored status."""

from __future__ import annotations

from datetime import tzinfo

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from domain.purchasing import PoState, PurchaseOrderView
from handlers.blocks.formatting import escape, plural
from handlers.blocks.message import section
from handlers.blocks.po_history import BOT, last
from handlers.blocks.po_times import po_ref, stamp, weekday, who, zone
from handlers.ids import Action, BlockId

ARRIVED = frozenset({PoState.PARTLY_RECEIVED, PoState.RECEIVED, PoState.CLOSED})


def _approval(po: PurchaseOrderView, tz: tzinfo) -> str:
    """Who approved, when, and the number: "✅ Approved by <@U1> at Fri 27 Nov 14:05 …"."""
    decision = last(po, "approve")
    at = po.approved_at or (decision.at if decision else None)
    text = "✅ Approved"
    if decision and decision.actor not in (BOT, ""):
        text += f" by {who(decision.actor)}"
    text += f" at {stamp(at, tz)} {zone(tz)}" if at else ""
    return text + (f" · {escape(po.number)}" if po.number else "")


def _outstanding(po: PurchaseOrderView) -> str:
    return ", ".join(f"{line.outstanding:,} {line.sku}" for line in po.lines if line.outstanding)


def _arrival(po: PurchaseOrderView) -> list[str]:
    """What came: part of it (and what is still to come), all of it, or the rest cancelled."""
    got, left = po.received_units, po.outstanding_units
    if po.state is PoState.PARTLY_RECEIVED:
        return [
            f"📦 Partly received: {got:,} of {plural(po.units, 'unit')} arrived; "
            f"{left:,} outstanding ({escape(_outstanding(po))})"
        ]
    if po.state is PoState.RECEIVED:
        return [f"📦 Received in full: {plural(got, 'unit')} arrived"]
    if po.state is PoState.CLOSED:
        closed = last(po, "close")
        by = f" (closed by {who(closed.actor)})" if closed and closed.actor != BOT else ""
        return [f"🏁 Closed: {plural(left, 'unit')} never came{by}"]
    return []


def state_lines(po: PurchaseOrderView, deadline_text: str, tz: tzinfo) -> list[str]:
    """Where the PO stands, in a line or two of small print."""
    if po.state is PoState.PROPOSED:
        since = stamp(po.proposed_at, tz)
        return [f"Waiting for an approver since {since} {zone(tz)} · version {po.version}"]
    if po.state is PoState.HELD:
        held = last(po, "hold")
        by = f" by {who(held.actor)} at {stamp(held.at, tz)} {zone(tz)}" if held else ""
        until = stamp(po.hold_until, tz) if po.hold_until else escape(deadline_text)
        return [f"⏸️ Held{by}: waits for the deadline ({until})"]
    lines = [_approval(po, tz)] if po.approved_at or last(po, "approve") else []
    if po.sent_at:
        expected = f" · expected by {weekday(po.expected_at, tz)}" if po.expected_at else ""
        lines.append(f"📤 Sent {stamp(po.sent_at, tz)}{expected}")
    elif po.state is PoState.APPROVED and po.in_doubt is None:
        lines.append("Not sent to the supplier yet.")
    return lines + _arrival(po)


def in_doubt(po: PurchaseOrderView) -> bool:
    """An approved PO whose email may have gone: a person says whether the supplier has it."""
    return po.state is PoState.APPROVED and po.in_doubt is not None


def doubt_blocks(po: PurchaseOrderView, tz: tzinfo) -> list[Block]:
    """The warning and its two ways out, for approvers; nothing when nothing is in doubt."""
    if po.in_doubt is None or not in_doubt(po):
        return []
    doubt, ref = po.in_doubt, po_ref(po)
    warning = (
        f"⚠️ The email to {escape(doubt.to)} may have gone at {stamp(doubt.at, tz)} {zone(tz)}: "
        "check with the supplier before sending again. *Mark sent* if they have it, "
        "*Send again* if not."
    )
    buttons = [
        ButtonElement(
            text="Mark sent", action_id=str(Action.MARK_PO_SENT), value=ref, style="primary"
        ),
        ButtonElement(text="Send again", action_id=str(Action.SEND_PO_AGAIN), value=ref),
    ]
    return [section(warning), ActionsBlock(block_id=str(BlockId.DOUBT_ACTIONS), elements=buttons)]
