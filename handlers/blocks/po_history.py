"""A PO's story on its card: who did what and when, one line each, in the team's words."""

from __future__ import annotations

from datetime import tzinfo

from slack_sdk.models.blocks import Block

from domain.purchasing import PoDecision, PurchaseOrderView
from handlers.blocks.formatting import escape, plural
from handlers.blocks.message import clip, context
from handlers.blocks.po_times import stamp, who

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
    "send_uncertain": ("⚠️", "The email may have gone, unconfirmed"),
    "sent_by_hand": ("📤", "Marked sent"),
    "sent_again": ("📧", "Sent again"),
    "receive": ("📦", "Received"),
    "close": ("🏁", "Received and closed"),
}
PAST = {
    "took_in": "took_in",
    "released": "release",
    "held": "hold",
    "sent": "send",
}


def kind(action: str) -> str:
    """The audit log's word in the present tense: "approved" → "approve"."""
    word = action.strip().lower()
    word = PAST.get(word, word)
    return next((w for w in (word, word[:-1], word[:-2]) if w in DECISIONS), word)


def last(po: PurchaseOrderView, wanted: str) -> PoDecision | None:
    """The latest decision of a kind ("approve", "close", ...), if any."""
    return next((d for d in reversed(po.decisions) if kind(d.action) == wanted), None)


def _decision(decision: PoDecision, tz: tzinfo) -> str:
    """One line of the audit trail: what, who, when, and the note."""
    word = kind(decision.action)
    icon, done = DECISIONS.get(word, ("•", decision.action.replace("_", " ").capitalize()))
    note = decision.note
    if word == "raise" and note in TRIGGERS:  # the log keeps the trigger as the raise's note
        done, note = RAISED.get(note, done), None
    by = f" by {who(decision.actor)}" if decision.actor not in (BOT, "") else ""
    text = f"{icon} {done}{by} · {stamp(decision.at, tz)}"
    return text + (f" · “{escape(clip(note, 500))}”" if note else "")


def decision_blocks(po: PurchaseOrderView, tz: tzinfo) -> list[Block]:
    """Who did what and when, one line each; the latest ten, the rest counted."""
    shown = po.decisions[-SHOWN_DECISIONS:]
    earlier = len(po.decisions) - len(shown)
    blocks: list[Block] = [context(f"…and {plural(earlier, 'earlier change')}")] if earlier else []
    return blocks + [context(_decision(d, tz)) for d in shown]
