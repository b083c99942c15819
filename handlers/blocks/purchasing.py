"""Purchase orders in Slack: the proposal and its buttons, the adjust modal, `/backorders pos`."""

from __future__ import annotations

from datetime import datetime, tzinfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
)

from domain.purchasing import PoDecision, PoStatus, PurchaseOrderView
from handlers.blocks.formatting import (
    days_between,
    escape,
    money,
    plural,
    units,
)
from handlers.blocks.message import (
    MAX_BLOCKS,
    Message,
    build,
    clip,
    context,
    header,
    section,
)
from handlers.blocks.po_lines import line_blocks
from handlers.blocks.po_list import po_list_message, po_thread_note
from handlers.blocks.po_times import (
    local,
    parse_po_ref,
    po_ref,
    stamp,
    weekday,
    who,
    zone,
)
from handlers.ids import Action, BlockId

SHOWN_DECISIONS = 10
BOT = "bot"
TRIGGERS = {
    "minimum": "The buffer reached its minimum order.",
    "raise": "Raised by hand.",
    "deadline": "Weekly deadline: proposed whatever its size, so nobody waits past a cycle.",
}
RAISED = {"minimum": "Proposed at the minimum order", "deadline": "Proposed at the weekly deadline"}
# what the audit log records (either tense), as the message says it
DECISIONS = {
    "raise": ("📝", "Raised"),
    "propose": ("📝", "Proposed"),
    "update": ("🔄", "Updated with the latest backorders"),
    "took_in": ("📥", "Took in the demand waiting"),
    "release": ("▶️", "Back on the table"),
    "approve": ("✅", "Approved"),
    "adjust": ("✏️", "Adjusted"),
    "hold": ("⏸️", "Held"),
    "send": ("📤", "Sent"),
    "receive": ("📦", "Received"),
    "close": ("🏁", "Received and closed"),
}
PAST = {
    "took_in": "took_in",
    "released": "release",
    "held": "hold",
    "sent": "send",
}
VERBS = {
    Action.APPROVE_PO: "approve",
    Action.ADJUST_PO: "adjust",
    Action.HOLD_PO: "hold",
    Action.TAKE_IN_PO: "take in demand for",
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


def _kind(action: str) -> str:
    """The audit log's word in the present tense: "approved" → "approve"."""
    word = action.strip().lower()
    word = PAST.get(word, word)
    return next((w for w in (word, word[:-1], word[:-2]) if w in DECISIONS), word)


def _last(po: PurchaseOrderView, kind: str) -> PoDecision | None:
    return next((d for d in reversed(po.decisions) if _kind(d.action) == kind), None)


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


def _decision(decision: PoDecision, tz: tzinfo) -> str:
    """One line of the audit trail: what, who, when, and the note."""
    kind = _kind(decision.action)
    icon, done = DECISIONS.get(kind, ("•", decision.action.replace("_", " ").capitalize()))
    note = decision.note
    if kind == "raise" and note in TRIGGERS:  # the log keeps the trigger as the raise's note
        done, note = RAISED.get(note, done), None
    by = f" by {who(decision.actor)}" if decision.actor not in (BOT, "") else ""
    text = f"{icon} {done}{by} · {stamp(decision.at, tz)}"
    return text + (f" · “{escape(clip(note, 500))}”" if note else "")


def _decision_blocks(po: PurchaseOrderView, tz: tzinfo) -> list[Block]:
    """Who did what and when, one line each; the latest ten, the rest counted."""
    shown = po.decisions[-SHOWN_DECISIONS:]
    earlier = len(po.decisions) - len(shown)
    blocks: list[Block] = [context(f"…and {plural(earlier, 'earlier change')}")] if earlier else []
    return blocks + [context(_decision(d, tz)) for d in shown]


def _approval(po: PurchaseOrderView, tz: tzinfo) -> str:
    """Who approved, when, and the number: "✅ Approved by <@U1> at Fri 27 Nov 14:05 …"."""
    decision = _last(po, "approve")
    at = po.approved_at or (decision.at if decision else None)
    text = "✅ Approved"
    if decision and decision.actor not in (BOT, ""):
        text += f" by {who(decision.actor)}"
    text += f" at {stamp(at, tz)} {zone(tz)}" if at else ""
    return text + (f" · {escape(po.number)}" if po.number else "")


def _state(po: PurchaseOrderView, deadline_text: str, tz: tzinfo) -> list[str]:
    """Where the PO stands, in a line or two of small print."""
    if po.status is PoStatus.PROPOSED:
        since = stamp(po.proposed_at, tz)
        return [f"Waiting for an approver since {since} {zone(tz)} · version {po.version}"]
    if po.status is PoStatus.HELD:
        held = _last(po, "hold")
        by = f" by {who(held.actor)} at {stamp(held.at, tz)} {zone(tz)}" if held else ""
        until = stamp(po.hold_until, tz) if po.hold_until else escape(deadline_text)
        return [f"⏸️ Held{by}: waits for the deadline ({until})"]
    lines = [_approval(po, tz)] if po.approved_at or _last(po, "approve") else []
    if po.sent_at:
        expected = f" · expected by {weekday(po.expected_at, tz)}" if po.expected_at else ""
        lines.append(f"📤 Sent {stamp(po.sent_at, tz)}{expected}")
    elif po.status is PoStatus.APPROVED:
        lines.append("Not sent to the supplier yet.")
    if po.status is PoStatus.RECEIVED:
        lines.append("📦 Received")
    return lines


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
    if not po.lines and po.status is PoStatus.PROPOSED:
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
    decided = _last(po, "approve")
    by = f" by {who(decided.actor)}" if decided and decided.actor != BOT else ""
    match po.status:
        case PoStatus.PROPOSED:
            return f"PO proposal for {po.supplier}: {amount}"
        case PoStatus.HELD:
            return f"PO proposal for {po.supplier} held until the deadline: {amount}"
        case PoStatus.APPROVED:
            return f"{po.number or 'PO'} for {po.supplier} approved{by}: {amount}"
    return f"{po.number or 'PO'} for {po.supplier} {po.status.value}: {amount}"


def _proposal(
    po: PurchaseOrderView, now: datetime, deadline_text: str, tz: tzinfo, lead: list[Block]
) -> tuple[list[Block], list[Block]]:
    """(body, footer) of the proposal after `lead`; the lines take the room that is left."""
    top = [*lead, header(_title(po)), *(context(s) for s in _state(po, deadline_text, tz))]
    top.append(section(_why(po, now, tz)))
    footer = [section(_totals(po)), *_waiting_notice(po), *_decision_blocks(po, tz)]
    footer += [_buttons(po)] if po.status is PoStatus.PROPOSED else []
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
    if po.status is PoStatus.PROPOSED:
        notice = f"This proposal changed since you saw it (now version {po.version}). "
        notice += f"Here it is as it stands; nothing was {done}."
    else:
        notice = f"This proposal changed since you saw it: it is {po.status.value} now. "
        notice += "Here it is as it stands; your click changed nothing."
    body, footer = _proposal(po, now, deadline_text, tz, [section(notice)])
    return build(notice, body, footer=footer)


def not_allowed_message(action: str) -> Message:
    """The ephemeral refusal for someone who is not an approver."""
    verb = VERBS.get(action, action).removesuffix("_po")
    text = (
        f"Only approvers can {verb} purchase orders. Ask someone in `slack.approvers` "
        "(or the approvers' user group) to do it, or an admin to add you in `app.yaml`."
    )
    return build(text, [section(text)])
