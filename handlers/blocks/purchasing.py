"""Purchase orders in Slack: the proposal and its buttons, the adjust modal, `/backorders pos`."""

from __future__ import annotations

from datetime import datetime, tzinfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
)

from domain.purchasing import PoState, PurchaseOrderView
from handlers.blocks.formatting import days_between, money, plural, units
from handlers.blocks.message import MAX_BLOCKS, Message, build, context, header, section
from handlers.blocks.po_history import BOT, DECISIONS, TRIGGERS, decision_blocks, kind, last
from handlers.blocks.po_lines import line_blocks
from handlers.blocks.po_list import po_list_message, po_thread_note
from handlers.blocks.po_state import doubt_blocks, state_lines
from handlers.blocks.po_times import local, parse_po_ref, po_ref, stamp, weekday, who
from handlers.ids import Action, BlockId

VERBS = {
    Action.APPROVE_PO: "approve",
    Action.ADJUST_PO: "adjust",
    Action.HOLD_PO: "hold",
    Action.TAKE_IN_PO: "take in demand for",
    Action.MARK_PO_SENT: "mark sent",
    Action.SEND_PO_AGAIN: "send again",
}
# what only approvers may do, as the refusal says it
REFUSED = {
    Action.MARK_PO_SENT: "mark purchase orders sent",
    Action.SEND_PO_AGAIN: "send purchase orders again",
}
__all__ = [
    "parse_po_ref",
    "po_list_message",
    "po_ref",
    "po_thread_note",
    "stamp",
    "weekday",
    "who",
]


# the proposal


def _why(po: PurchaseOrderView, now: datetime, tz: tzinfo) -> str:
    """Why the PO is up now, whom it serves and how long the oldest customer has waited."""
    why = TRIGGERS.get(po.trigger, "Proposed.")
    waited = ""
    if po.oldest_placed_at is not None:
        days = days_between(po.oldest_placed_at, local(now, tz))
        waited = "was placed today" if days == 0 else f"has waited {plural(days, 'day')}"
    if po.orders_served:
        serves = f"It serves {plural(po.orders_served, 'order')}"
        return f"{why} {serves}; the oldest {waited}." if waited else f"{why} {serves}."
    return f"{why} The oldest order {waited}." if waited else why


def _totals(po: PurchaseOrderView) -> str:
    """Units and cost, what goes to stock and what waits for the next cycle."""
    text = f"*Total:* {units(po.units)} · {money(po.total)}"
    short = sum(line.short for line in po.lines)
    extras = [f"{units(po.overage)} beyond demand go to stock"] if po.overage else []
    extras += [f"{units(short)} wait for the next cycle"] if short else []
    return text + (f" ({'; '.join(extras)})" if extras else "")


def _buttons(po: PurchaseOrderView) -> ActionsBlock:
    """Approve (only with lines), Adjust, Hold, and Take them in when demand waits beyond a
    person's adjustment: each carries the version it was shown at."""
    ref = po_ref(po)
    approve = ButtonElement(
        text="Approve", action_id=str(Action.APPROVE_PO), value=ref, style="primary"
    )
    take_in = ButtonElement(
        text="Take them in",
        action_id=str(Action.TAKE_IN_PO),
        value=ref,
    )
    return ActionsBlock(
        block_id=str(BlockId.PO_ACTIONS),
        elements=[
            *([approve] if po.lines else []),
            ButtonElement(text="Adjust", action_id=str(Action.ADJUST_PO), value=ref),
            ButtonElement(text="Hold", action_id=str(Action.HOLD_PO), value=ref),
            *([take_in] if po.waiting_since_adjustment else []),
        ],
    )


def _waiting_notice(po: PurchaseOrderView) -> list[Block]:
    """Demand a job may not merge into a person's proposal, and a PO left without lines."""
    notes = []
    if po.waiting_since_adjustment:
        by = f" by {who(po.adjusted_by)}" if po.adjusted_by else ""
        notes.append(
            f"📥 {plural(po.waiting_since_adjustment, 'more unit')} waiting since the last "
            f"adjustment{by}: *Take them in* adds them; nothing joins it without a person."
        )
    if not po.lines and po.state is PoState.PROPOSED:
        notes.append(
            "Nothing to approve: every line was dropped. *Adjust* to order again, *Hold* "
            "until the deadline" + (", or *Take in* what waits." if notes else ".")
        )
    return [section(text) for text in notes]


def _title(po: PurchaseOrderView) -> str:
    return f"{po.number or 'PO proposal'} — {po.supplier}"


def _fallback(po: PurchaseOrderView) -> str:
    """The notification text: what happened to which PO, its units and total."""
    amount = f"{units(po.units)}, total {money(po.total)}"
    decided = last(po, "approve")
    by = f" by {who(decided.actor)}" if decided and decided.actor != BOT else ""
    match po.state:
        case PoState.PROPOSED:
            return f"PO proposal for {po.supplier}: {amount}"
        case PoState.HELD:
            return f"PO proposal for {po.supplier} held until the deadline: {amount}"
        case PoState.APPROVED if po.in_doubt:
            return f"{po.number or 'PO'} for {po.supplier}: the email may have gone, check"
        case PoState.APPROVED:
            return f"{po.number or 'PO'} for {po.supplier} approved{by}: {amount}"
    return f"{po.number or 'PO'} for {po.supplier} {po.state.value}: {amount}"


def _proposal(
    po: PurchaseOrderView, now: datetime, deadline_text: str, tz: tzinfo, lead: list[Block]
) -> tuple[list[Block], list[Block]]:
    """(body, footer) of the proposal after `lead`; the lines take the room that is left."""
    top = [*lead, header(_title(po)), *(context(s) for s in state_lines(po, deadline_text, tz))]
    top.append(section(_why(po, now, tz)))
    footer = [section(_totals(po)), *_waiting_notice(po), *decision_blocks(po, tz)]
    footer += [_buttons(po)] if po.state is PoState.PROPOSED else doubt_blocks(po, tz)
    return top + line_blocks(po, MAX_BLOCKS - len(top) - len(footer)), footer


def proposal_message(
    po: PurchaseOrderView, now: datetime, deadline_text: str, tz: tzinfo
) -> Message:
    """The PO in the channel: why now, its lines and totals, who did what; buttons while open."""
    body, footer = _proposal(po, now, deadline_text, tz, [])
    return build(_fallback(po), body, footer=footer)


def stale_click_message(
    po: PurchaseOrderView,
    now: datetime,
    deadline_text: str,
    tz: tzinfo,
    action: str = Action.APPROVE_PO,
) -> Message:
    """A click on an older version (ephemeral): the PO as it stands, with fresh buttons."""
    verb = VERBS.get(action, action).removesuffix("_po")
    done = {"hold": "held", "take in demand for": "taken in"}.get(
        verb, verb.removesuffix("e") + "ed"
    )
    if po.state is PoState.PROPOSED:
        notice = f"This proposal changed since you saw it (now version {po.version}). "
        notice += f"Here it is as it stands; nothing was {done}."
    else:
        notice = f"{po.number or 'This proposal'} changed since you saw it: {_now(po)}. "
        notice += "Here it is as it stands; your click changed nothing."
    body, footer = _proposal(po, now, deadline_text, tz, [section(notice)])
    return build(notice, body, footer=footer)


def _now(po: PurchaseOrderView) -> str:
    """What the PO is now, in the words its card uses, and the person whose move made it so:
    "it is sent now (marked sent by @x)"."""
    if po.state is PoState.APPROVED and po.in_doubt is not None:
        where = f"its email to {po.in_doubt.to} may have gone (version {po.version})"
    else:
        where = f"it is {po.state.value} now"
    latest = po.decisions[-1] if po.decisions else None
    if latest is None or latest.actor in (BOT, ""):
        return where
    done = DECISIONS.get(kind(latest.action), ("", latest.action.replace("_", " ")))[1]
    return f"{where} ({done.lower()} by {who(latest.actor)})"


def not_allowed_message(action: str) -> Message:
    """The ephemeral refusal for someone who is not an approver."""
    verb = VERBS.get(action, action).removesuffix("_po")
    what = REFUSED.get(action, f"{verb} purchase orders")
    text = (
        f"Only approvers can {what}. Ask someone in `slack.approvers` "
        "(or the approvers' user group) to do it, or an admin to add you in `app.yaml`."
    )
    return build(text, [section(text)])
