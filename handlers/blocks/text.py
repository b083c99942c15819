"""Block Kit read back as plain text, for the terminal console and for tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from handlers.blocks.message import Message

Json = dict[str, Any]
RULE = "─"
_LINK = re.compile(r"<([^<>]*)>")
_CODE = re.compile(r"(`[^`\n]*`)")
_MARKS = [
    re.compile(rf"(?<![\w{m}]){re.escape(m)}(?=\S)(.+?)(?<=\S){re.escape(m)}(?![\w{m}])")
    for m in "*_~"
]
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def _link(match: re.Match[str]) -> str:
    """`<url|label>` → label, `<#C1>` → #C1, `<@U1>` → @U1, `<!here>` → @here."""
    target, _, label = match.group(1).partition("|")
    if target[:1] in "#@":
        return target[0] + (label or target[1:])
    if target.startswith("!"):
        return label or _SPECIAL.get(target[1:], "@" + target[1:].split("^")[-1])
    return label or target.removeprefix("mailto:")


def _unmark(text: str) -> str:
    """Bold, italic and strike markers dropped, outside code spans only; backticks dropped."""
    spans = _CODE.findall(text)
    # code spans stand aside as numbered placeholders, so `snake_case` keeps its underscores
    text = _CODE.sub(lambda m: f"\x00{spans.index(m.group(1))}\x00", text)
    for marks in _MARKS:
        text = marks.sub(r"\1", text)
    return _PLACEHOLDER.sub(lambda m: spans[int(m.group(1))].strip("`"), text)


def readable(mrkdwn: str) -> str:
    """Slack mrkdwn as a person would read it on screen."""
    text = _unmark(_LINK.sub(_link, mrkdwn))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Json | None) -> str:
    """A text object's words: mrkdwn made readable, plain text as it is."""
    if not obj:
        return ""
    if obj.get("type") == "mrkdwn":
        return readable(obj.get("text", ""))
    return str(obj.get("text", ""))


def _field(obj: Json) -> str:
    """A field written "*Label*\\nvalue" becomes "Label: value"."""
    label, _, value = _text(obj).partition("\n")
    return f"{label}: {value.replace(chr(10), ', ')}" if value else label


def _element(element: Json) -> str:
    """A button as [Label]; other elements by their text, placeholder or alt text."""
    if element.get("type") in ("mrkdwn", "plain_text"):
        return _text(element)
    if element.get("type") == "button":
        return f"[{_text(element.get('text'))}]"
    if "alt_text" in element:
        return str(element["alt_text"])
    return _text(element.get("text") or element.get("placeholder"))


def _header(block: Json) -> list[str]:
    words = _text(block.get("text"))
    return [words, RULE * len(words)]


def _section(block: Json) -> list[str]:
    lines = _text(block.get("text")).splitlines()
    lines += [_field(field) for field in block.get("fields", [])]
    if accessory := block.get("accessory"):
        lines.append(_element(accessory))
    return lines


def _context(block: Json) -> list[str]:
    words = [w for w in map(_element, block.get("elements", [])) if w]
    return ["  " + " · ".join(words)] if words else []


def _actions(block: Json) -> list[str]:
    words = [w for w in map(_element, block.get("elements", [])) if w]
    return [" ".join(words)] if words else []


def _other(block: Json) -> list[str]:
    """Input, image and anything newer: whatever words it carries."""
    for key in ("label", "text", "title"):
        value = block.get(key)
        if isinstance(value, dict):
            return _text(value).splitlines()
        if isinstance(value, str):
            return value.splitlines()
    return [str(block["alt_text"])] if "alt_text" in block else []


_RENDERERS: dict[str, Callable[[Json], list[str]]] = {
    "header": _header,
    "section": _section,
    "context": _context,
    "divider": lambda _block: [""],
    "actions": _actions,
}


def to_text(message: Message) -> str:
    """The message as readable terminal text; its fallback `text` when it has no blocks."""
    if not message.blocks:
        return readable(message.text)
    lines: list[str] = []
    previous = ""
    for block in message.blocks:
        kind = block.get("type", "")
        if kind == previous == "section":
            lines.append("")  # Slack sets sections apart; so does the terminal
        lines += _RENDERERS.get(kind, _other)(block)
        previous = kind
    return "\n".join(lines)
