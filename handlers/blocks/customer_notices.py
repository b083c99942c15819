"""The channel message that puts a batch of customer notices to the team: "12 delay notices
ready · Preview · Send all · Skip", and, once decided, who decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from domain.wording import noun
from handlers.blocks.formatting import escape
from handlers.blocks.message import Message, context, section

PREVIEW, SEND_ALL, SKIP = "notice_batch_preview", "notice_batch_send", "notice_batch_skip"
ACTIONS_BLOCK = "notice_batch_actions"
PREVIEW_LIMIT = 2900  # a section holds 3,000 characters, with the code fence
KIND_WORDS = {"backordered": "backorder", "delayed": "delay", "on_its_way": "on-its-way"}


class BatchFacts(Protocol):
    batch_id: int
    kind: str
    status: str
    size: int
    decided_by: str | None
    decided_at: datetime | None
    withdrawn: int
    version: int


def batch_title(kind: str, size: int) -> str:
    """`12 delay notices`, `1 backorder notice`."""
    return f"{size} {KIND_WORDS.get(kind, kind)} {noun(size, 'notice')}"


def batch_message(batch: BatchFacts) -> tuple[str, list[dict[str, Any]]]:
    """The batch as the channel shows it: buttons while open, who decided after."""
    title = batch_title(batch.kind, batch.size)
    if batch.status == "awaiting_approval":
        text = f"✉️ {title} ready for customers"
        blocks = [section(f"*{text}*").to_dict(), _buttons(batch.batch_id, batch.version)]
        return text, blocks
    verb = "sent" if batch.status == "sent" else "skipped"
    title = batch_title(batch.kind, batch.size - batch.withdrawn)
    text = f"✉️ {title} {verb} by <@{batch.decided_by}>" + moot_text(batch.withdrawn)
    return text, [section(text).to_dict(), context("Customers hear nothing twice.").to_dict()]


def moot_text(withdrawn: int) -> str:
    """` · 2 no longer apply: skipped` (their lines filled or cancelled, a delay gone)."""
    if not withdrawn:
        return ""
    return f" · {withdrawn} no longer {'applies' if withdrawn == 1 else 'apply'}: skipped"


def parse_batch_ref(value: str) -> tuple[int, int]:
    """(batch_id, version) from a button's value; a bare id (a message posted before buttons
    carried the version) is the batch as first posted, version 1."""
    batch_id, _, version = value.partition(":")
    return int(batch_id), int(version or 1)


def stale_batch_reply(batch: BatchFacts) -> Message:
    """A click on an older message of a batch that grew since (only the clicker reads it): the
    batch as it stands, with buttons for what it holds now."""
    notice = (
        f"This batch changed since you saw it: it now holds {batch.size} "
        f"{noun(batch.size, 'notice')}. Here it is as it stands; nothing was sent or skipped."
    )
    _, blocks = batch_message(batch)
    return Message(notice, [section(notice).to_dict(), *blocks])


def _buttons(batch_id: int, version: int) -> dict[str, Any]:
    value = f"{batch_id}:{version}"
    return {
        "type": "actions",
        "block_id": ACTIONS_BLOCK,
        "elements": [
            _button("Preview", PREVIEW, value),
            _button("Send all", SEND_ALL, value, "primary"),
            _button("Skip", SKIP, value, "danger"),
        ],
    }


def _button(label: str, action: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def decided_reply(
    kind: str, size: int, verb: str, already_by: str | None, withdrawn: int = 0
) -> Message:
    """What the person who clicked reads (only them)."""
    if already_by is not None:
        return Message(f"Already decided by <@{already_by}>: nothing more is sent.", [])
    return Message(f"{verb.capitalize()}: {batch_title(kind, size)}{moot_text(withdrawn)}.", [])


def preview_reply(text: str) -> Message:
    """One rendered email (its text part) or store note, as its customer reads it: escaped for
    mrkdwn, so a signature's `<b>` shows as typed instead of vanishing."""
    shown = escape(text)
    cut = len(text)
    while len(shown) > PREVIEW_LIMIT:  # cut the text, never an escape in half
        cut = cut * PREVIEW_LIMIT // len(shown) - 1
        shown = escape(text[:cut]) + "…"
    return Message(shown, [section(f"```{shown}```").to_dict()])
