"""Modals in the console: shown as text, filled and submitted with `submit SKU=qty ... note`."""

from __future__ import annotations

from typing import Any

from handlers.blocks.message import Message
from handlers.blocks.text import readable, to_text


def _plain(obj: dict[str, Any] | None) -> str:
    return readable(str((obj or {}).get("text", "")))


def modal_text(view: dict[str, Any]) -> str:
    """The modal as a form on screen, each input with its current value."""
    lines = [f"[modal] {_plain(view.get('title'))}"]
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            lines.append(to_text(Message("", [block])))
            continue
        element = block.get("element", {})
        value = element.get("initial_value", "")
        hint = f"  ({_plain(block.get('hint'))})" if block.get("hint") else ""
        lines.append(f"  {_plain(block.get('label'))}: {value}{hint}")
    lines.append("Type `submit SKU=quantity ... [a note]` to save, or anything else to leave it.")
    return "\n".join(lines)


def _entries(text: str) -> tuple[dict[str, str], str]:
    """`CHAIN=5 TUBE=0 only five left` → ({"CHAIN": "5", "TUBE": "0"}, "only five left")."""
    values, note = {}, []
    for word in text.split():
        key, sep, value = word.partition("=")
        if sep and key:
            values[key.lower()] = value
        else:
            note.append(word)
    return values, " ".join(note)


def _value(block: dict[str, Any], entries: dict[str, str], note: str) -> str:
    label = _plain(block.get("label")).lower()
    if block.get("optional"):
        return note
    for sku, value in entries.items():
        if label.startswith(sku) or f" {sku} " in f" {label} ":
            return value
    return str(block.get("element", {}).get("initial_value", ""))


def submission(view: dict[str, Any], text: str, user: str) -> dict[str, Any]:
    """A `view_submission` payload, as Slack sends it when the form is saved."""
    entries, note = _entries(text)
    values = {
        block["block_id"]: {
            block["element"]["action_id"]: {
                "type": "plain_text_input",
                "value": _value(block, entries, note),
            }
        }
        for block in view.get("blocks", [])
        if block.get("type") == "input"
    }
    return {
        "type": "view_submission",
        "team": {"id": "T0CONSOLE"},
        "user": {"id": user, "username": "console"},
        "trigger_id": "console.trigger",
        "view": view | {"id": "V0CONSOLE", "state": {"values": values}},
    }
