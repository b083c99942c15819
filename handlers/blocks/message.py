"""A message as Slack takes it, and the few block makers that keep it within Slack's limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from domain.wording import noun

MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
EXPORT_HINT = "…and {n} more. Ask `/backorders export` for the full workbook."
MORE_LINES = "…and {n} more."
ELLIPSIS = "…"
BLANK = "—"  # Slack refuses empty text, and a name can be empty


@dataclass(frozen=True)
class Message:
    """What the bot says: `text` is the notification fallback Slack requires beside `blocks`."""

    text: str
    blocks: list[dict[str, Any]]


def build(
    text: str,
    blocks: Sequence[Block],
    *,
    overflow: str = EXPORT_HINT,
    footer: Sequence[Block] = (),
) -> Message:
    """Serialise `blocks` then `footer`; past 50 blocks the body ends in `overflow` ({n} cut)."""
    body, footer = list(blocks), list(footer)[: MAX_BLOCKS - 1]
    room = MAX_BLOCKS - len(footer)
    if len(body) > room:
        kept = room - 1
        body = [*body[:kept], context(counted(overflow, len(body) - kept))]
    return Message(text=clip(text, MAX_TEXT), blocks=[b.to_dict() for b in [*body, *footer]])


def counted(wording: str, n: int) -> str:
    """`wording` with "{n}" filled in and "{s}" made plural for any count but one:
    "…and {n} more line{s}." says "…and 1 more line." (plain replace: other braces stay)."""
    return wording.replace("{n}", f"{n:,}").replace("{s}", noun(n, "", "s"))


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, never inside an `&amp;` or a `<link>`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    amp = cut.rfind("&")
    if amp > cut.rfind(";"):
        cut = cut[:amp]
    bracket = cut.rfind("<")
    if bracket > cut.rfind(">"):
        cut = cut[:bracket]
    return cut + ELLIPSIS


def fit_lines(lines: Sequence[str], limit: int = MAX_TEXT, more: str = MORE_LINES) -> str:
    """Whole lines up to `limit` characters; the lines left out are counted in `more`."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    reserve = len(more) + 16
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit - reserve:
            break
        kept.append(line)
        size += len(line) + 1
    if not kept:
        kept = [clip(lines[0], limit - reserve)]
    return "\n".join([*kept, counted(more, len(lines) - len(kept))])


def header(text: str) -> HeaderBlock:
    """A header, plain text, cut to Slack's 150 characters."""
    words = clip(text.strip() or BLANK, MAX_HEADER_TEXT)
    return HeaderBlock(text=PlainTextObject(text=words, emoji=True))


def section(text: str) -> SectionBlock:
    """A mrkdwn section, cut to Slack's 3,000 characters."""
    return SectionBlock(text=MarkdownTextObject(text=clip(text.strip() or BLANK, MAX_TEXT)))


def field_sections(pairs: Sequence[tuple[str, str]]) -> list[SectionBlock]:
    """Label/value fields ("*Label*" over the mrkdwn value), ten to a section, 2,000 chars each."""
    fields = [
        MarkdownTextObject(text=clip(f"*{label}*\n{value}", MAX_FIELD_TEXT))
        for label, value in pairs
    ]
    return [
        SectionBlock(fields=fields[i : i + MAX_FIELDS]) for i in range(0, len(fields), MAX_FIELDS)
    ]


def context(*texts: str) -> ContextBlock:
    """Small grey print: up to ten mrkdwn elements."""
    elements = [MarkdownTextObject(text=clip(t, MAX_TEXT)) for t in texts[:MAX_CONTEXT_ELEMENTS]]
    return ContextBlock(elements=elements)


def divider() -> DividerBlock:
    """A rule between parts of a message."""
    return DividerBlock()
