"""Purchase orders in Slack: the proposal and its buttons, the adjust modal, `/backorders pos`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from decimal import Decimal

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
)

from domain.purchasing import OPEN_STATUSES, PoDecision, PoLine, PoStatus, PurchaseOrderView
from handlers.blocks.formatting import (
    WARNING,
    ago,
    bold,
    code,
    days_between,
    escape,
    item,
    money,
    plural,
    units,
)
from handlers.blocks.message import (
    MAX_BLOCKS,
    MAX_TEXT,
    Message,
    build,
    clip,
    context,
    counted,
    header,
    section,
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
    "approve": ("✅", "Approved"),
    "adjust": ("✏️", "Adjusted"),
    "hold": ("⏸️", "Held"),
    "send": ("📤", "Sent"),
    "receive": ("📦", "Received"),
    "cancel": ("✖️", "Cancelled"),
}
PAST = {"held": "hold", "sent": "send", "canceled": "cancel", "cancelled": "cancel"}
VERBS = {Action.APPROVE_PO: "approve", Action.ADJUST_PO: "adjust", Action.HOLD_PO: "hold"}
MORE_PO_LINES = "…and {n} more line{s}."
MORE_POS = "…and {n} more purchase order{s}."
_USER = re.compile(r"[UW][A-Z0-9]{2,}")


# references, times and people


def po_ref(po: PurchaseOrderView) -> str:
    """What a button or a modal carries: "po_id:version", so a stale click can be told apart."""
    return f"{po.po_id}:{po.version}"


def parse_po_ref(value: str) -> tuple[int, int]:
    """(po_id, version) from a button value or a modal's private_metadata; ValueError if bad."""
    po_id, version = value.split(":")
    return int(po_id), int(version)


def _local(when: datetime, tz: tzinfo) -> datetime:
    """`when` on the team's clock (a naive time is UTC, as storage keeps it)."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(tz)


def stamp(when: datetime, tz: tzinfo) -> str:
    """A moment as the team reads it: "Fri 27 Nov 14:05"."""
    local = _local(when, tz)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def weekday(when: datetime, tz: tzinfo) -> str:
    """A date as the team reads it: "Tue 1 Dec"."""
    local = _local(when, tz)
    return f"{local:%a} {local.day} {local:%b}"


def _zone(tz: tzinfo) -> str:
    return f"({getattr(tz, 'key', None) or tz} time)"


def _span(since: datetime, now: datetime) -> str:
    """How long since: "5 minutes", "2 hours", "3 days"."""
    minutes = int((_local(now, UTC) - _local(since, UTC)).total_seconds() // 60)
    if minutes < 60:
        return plural(max(minutes, 1), "minute")
    hours = minutes // 60
    return plural(hours, "hour") if hours < 48 else plural(hours // 24, "day")


def who(actor: str) -> str:
    """A Slack user as a mention; anyone else (a job, the console) by name."""
    return f"<@{actor}>" if _USER.fullmatch(actor) else escape(actor)


def _kind(action: str) -> str:
    """The audit log's word in the present tense: "approved" → "approve"."""
    word = action.strip().lower()
    word = PAST.get(word, word)
    return next((w for w in (word, word[:-1], word[:-2]) if w in DECISIONS), word)


def _last(po: PurchaseOrderView, kind: str) -> PoDecision | None:
    return next((d for d in reversed(po.decisions) if _kind(d.action) == kind), None)


# the proposal


def _line(line: PoLine) -> str:
    """A line: "`SKU` name — order 12 (7 waiting, case of 6, +5 to stock) · 2.50 → 30.00"."""
    notes = [f"{line.demand:,} waiting"]
    if line.case_pack > 1:
        notes.append(f"case of {line.case_pack:,}")
    if line.overage:
        notes.append(f"+{line.overage:,} to stock")
    if line.short:
        notes.append(f"{line.short:,} short: they wait for the next cycle")
    return (
        f"{item(line.sku, line.name)} — order {line.quantity:,} ({', '.join(notes)}) · "
        f"{money(line.unit_cost)} → {money(line.total)}"
    )


def _packed(lines: list[str], limit: int = MAX_TEXT) -> list[list[str]]:
    """Whole lines grouped into sections of at most `limit` characters."""
    chunks: list[list[str]] = []
    size = limit
    for line in (clip(text, limit) for text in lines):
        if size + 1 + len(line) > limit:
            chunks.append([])
            size = -1
        chunks[-1].append(line)
        size += 1 + len(line)
    return chunks


def _line_blocks(po: PurchaseOrderView, room: int) -> list[Block]:
    """The lines, packed into sections; past `room` blocks the rest are counted."""
    chunks = _packed([_line(line) for line in po.lines]) or [["This PO has no lines."]]
    if len(chunks) > room:
        kept = chunks[: room - 1]
        left = len(po.lines) - sum(len(chunk) for chunk in kept)
        return [*(section("\n".join(c)) for c in kept), context(counted(MORE_PO_LINES, left))]
    return [section("\n".join(chunk)) for chunk in chunks]


def _why(po: PurchaseOrderView, now: datetime, tz: tzinfo) -> str:
    """Why the PO is up now, whom it serves and how long the oldest customer has waited."""
    why = TRIGGERS.get(po.trigger, "Proposed.")
    waited = ""
    if po.oldest_placed_at is not None:
        days = days_between(po.oldest_placed_at, _local(now, tz))
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
    text += f" at {stamp(at, tz)} {_zone(tz)}" if at else ""
    return text + (f" · {escape(po.number)}" if po.number else "")


def _state(po: PurchaseOrderView, deadline_text: str, tz: tzinfo) -> list[str]:
    """Where the PO stands, in a line or two of small print."""
    if po.status is PoStatus.PROPOSED:
        since = stamp(po.proposed_at, tz)
        return [f"Waiting for an approver since {since} {_zone(tz)} · version {po.version}"]
    if po.status is PoStatus.HELD:
        held = _last(po, "hold")
        by = f" by {who(held.actor)} at {stamp(held.at, tz)} {_zone(tz)}" if held else ""
        until = stamp(po.hold_until, tz) if po.hold_until else escape(deadline_text)
        return [f"⏸️ Held{by}: waits for the deadline ({until})"]
    lines = [_approval(po, tz)] if po.approved_at or _last(po, "approve") else []
    if po.sent_at:
        expected = f" · expected by {weekday(po.expected_at, tz)}" if po.expected_at else ""
        lines.append(f"📤 Sent {stamp(po.sent_at, tz)}{expected}")
    elif po.status is PoStatus.APPROVED:
        lines.append("Not sent to the supplier yet.")
    if po.status in (PoStatus.RECEIVED, PoStatus.CANCELLED):
        lines.append("📦 Received" if po.status is PoStatus.RECEIVED else "✖️ Cancelled")
    return lines


def _buttons(po: PurchaseOrderView) -> ActionsBlock:
    """Approve, Adjust, Hold: each carries the version it was shown at."""
    ref = po_ref(po)
    return ActionsBlock(
        block_id=str(BlockId.PO_ACTIONS),
        elements=[
            ButtonElement(
                text="Approve", action_id=str(Action.APPROVE_PO), value=ref, style="primary"
            ),
            ButtonElement(text="Adjust", action_id=str(Action.ADJUST_PO), value=ref),
            ButtonElement(text="Hold", action_id=str(Action.HOLD_PO), value=ref),
        ],
    )


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
    footer = [section(_totals(po)), *_decision_blocks(po, tz)]
    footer += [_buttons(po)] if po.status is PoStatus.PROPOSED else []
    return top + _line_blocks(po, MAX_BLOCKS - len(top) - len(footer)), footer


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
    done = {"hold": "held"}.get(verb, verb.removesuffix("e") + "ed")
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


# `/backorders pos` and the PO's thread


def _po_row(po: PurchaseOrderView, now: datetime, tz: tzinfo) -> str:
    """One open PO: what it is, where it stands, its units and cost."""
    amount = f"{units(po.units)} · {money(po.total)}"
    supplier = escape(po.supplier)
    if po.status is PoStatus.PROPOSED:
        waiting = f"waiting for approval for {_span(po.proposed_at, now)}"
        return f"*Proposal* · {supplier} · {waiting} · {amount}"
    if po.status is PoStatus.HELD:
        until = f"until {stamp(po.hold_until, tz)}" if po.hold_until else "until the deadline"
        return f"*Held* · {supplier} · {until} · {amount}"
    number = bold(po.number or "PO")
    if po.sent_at is None:
        since = po.approved_at or po.proposed_at
        return f"{number} · {supplier} · approved {_span(since, now)} ago, not sent yet · {amount}"
    where = f"sent {ago(po.sent_at, _local(now, tz))}"
    if po.expected_at is not None:
        where += f" · expected {weekday(po.expected_at, tz)}"
        late = days_between(po.expected_at, _local(now, tz))
        where += f" · {WARNING} {plural(late, 'day')} late" if late else ""
    return f"{number} · {supplier} · {where} · {amount}"


def _opened(po: PurchaseOrderView) -> datetime:
    return _local(po.proposed_at, UTC)


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
