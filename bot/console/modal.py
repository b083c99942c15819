"""Modals in the console: shown as text, filled and submitted with `submit SKU=qty +tick ... note`.

A checkbox is ticked with `+word`, the first word of its option (`+cancel` for "Cancel what has
not arrived"); the modal's text prints the exact word, so the user never has to guess it.
"""

from __future__ import annotations

import re
from typing import Any

from handlers.blocks.message import Message
from handlers.blocks.text import readable, to_text

CHECKBOXES = "checkboxes"


def _plain(obj: dict[str, Any] | None) -> str:
    return readable(str((obj or {}).get("text", "")))


def tick_word(option: dict[str, Any]) -> str:
    """What ticks an option: `+` and the first word of its text, else of its value."""
    words = re.findall(r"[a-z0-9]+", _plain(option.get("text")).lower())
    return "+" + (words[0] if words else str(option.get("value", "")))


def _inputs(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [block for block in view.get("blocks", []) if block.get("type") == "input"]


def _tick_words(inputs: list[dict[str, Any]]) -> list[str]:
    """The tick word of every checkbox option in the form, in order."""
    return [
        tick_word(option)
        for block in inputs
        if block.get("element", {}).get("type") == CHECKBOXES
        for option in block["element"].get("options", [])
    ]


def _is_note(block: dict[str, Any]) -> bool:
    """An optional text field takes the words that are not `SKU=qty` or a tick."""
    return bool(block.get("optional")) and block.get("element", {}).get("type") != CHECKBOXES


def _input_line(block: dict[str, Any]) -> str:
    element = block.get("element", {})
    label = _plain(block.get("label"))
    if element.get("type") == CHECKBOXES:
        ticked = {o.get("value") for o in element.get("initial_options") or []}
        boxes = [
            f"[{'x' if o.get('value') in ticked else ' '}] {_plain(o.get('text'))}"
            f" (type {tick_word(o)} to tick it)"
            for o in element.get("options", [])
        ]
        return f"  {label}: " + "; ".join(boxes)
    hint = f"  ({_plain(block.get('hint'))})" if block.get("hint") else ""
    return f"  {label}: {element.get('initial_value', '')}{hint}"


def usage(view: dict[str, Any]) -> str:
    """The submit syntax this modal takes, with an example built from its own fields."""
    inputs = _inputs(view)
    ticks = _tick_words(inputs)
    skus = [_plain(b.get("label")).split(" ")[0] for b in inputs if not b.get("optional")]
    form = ["SKU=quantity ..."] + [f"[{t}]" for t in ticks]
    form += ["[a note]"] if any(_is_note(b) for b in inputs) else []
    example = " ".join([f"{skus[0]}=1" if skus else "", *ticks[:1]]).strip()
    line = f"Type `submit {' '.join(form)}` to save"
    line += f", e.g. `submit {example}`" if example else ""
    return line + " (fields you leave out keep their values); anything else leaves it open."


def modal_text(view: dict[str, Any]) -> str:
    """The modal as a form on screen, each input with its current value."""
    lines = [f"[modal] {_plain(view.get('title'))}"]
    for block in view.get("blocks", []):
        if block.get("type") == "input":
            lines.append(_input_line(block))
        else:
            lines.append(to_text(Message("", [block])))
    lines.append(usage(view))
    return "\n".join(lines)


def _entries(text: str, ticks: set[str]) -> tuple[dict[str, str], set[str], str]:
    """`CHAIN=5 +cancel only five` → ({"chain": "5"}, {"+cancel"}, "only five")."""
    values, ticked, note = {}, set(), []
    for word in text.split():
        key, sep, value = word.partition("=")
        if sep and key:
            values[key.lower()] = value
        elif word.lower() in ticks:
            ticked.add(word.lower())
        else:
            note.append(word)
    return values, ticked, " ".join(note)


def _line_sku(block: dict[str, Any]) -> str:
    """A line's SKU: the first word of its label (`BK-PADS-DISC · Disc brake pads`)."""
    words = _plain(block.get("label")).split()
    return words[0].lower() if words else ""


def _text_value(block: dict[str, Any], entries: dict[str, str], note: str) -> str:
    if block.get("optional"):
        return note
    default = str(block.get("element", {}).get("initial_value", ""))
    return entries.get(_line_sku(block), default)  # the whole SKU: BK-TUBE is not BK-TUBE-26


def refusal(view: dict[str, Any], text: str) -> str | None:
    """Why `submit <text>` cannot be sent as typed (an unknown SKU or tick), or None."""
    inputs = _inputs(view)
    ticks = _tick_words(inputs)
    skus = [_line_sku(b) for b in inputs if not b.get("optional") and not _is_box(b)]
    entries, _, _ = _entries(text, set(ticks))
    unknown = [sku for sku in entries if sku not in skus]
    bad_ticks = [w for w in text.split() if w.startswith("+") and w.lower() not in ticks]
    if unknown:
        known = ", ".join(sku.upper() for sku in skus)
        return f"{', '.join(u.upper() for u in unknown)}: not on this form (its lines: {known})."
    if bad_ticks:
        return f"{bad_ticks[0]}: no such box on this form ({', '.join(ticks) or 'none'})."
    return None


def _is_box(block: dict[str, Any]) -> bool:
    return block.get("element", {}).get("type") == CHECKBOXES


def _state(block: dict[str, Any], entries: dict[str, str], ticked: set[str], note: str) -> Any:
    """One input's state as Slack sends it: a text value, or the options ticked."""
    element = block["element"]
    if element.get("type") != CHECKBOXES:
        return {"type": "plain_text_input", "value": _text_value(block, entries, note)}
    chosen = [
        o
        for o in element.get("options", [])
        if tick_word(o) in ticked or o in (element.get("initial_options") or [])
    ]
    return {"type": CHECKBOXES, "selected_options": chosen}


def submission(view: dict[str, Any], text: str, user: str) -> dict[str, Any]:
    """A `view_submission` payload, as Slack sends it when the form is saved."""
    inputs = _inputs(view)
    entries, ticked, note = _entries(text, set(_tick_words(inputs)))
    values = {
        block["block_id"]: {block["element"]["action_id"]: _state(block, entries, ticked, note)}
        for block in inputs
    }
    return {
        "type": "view_submission",
        "team": {"id": "T0CONSOLE"},
        "user": {"id": user, "username": "console"},
        "trigger_id": "console.trigger",
        "view": {"id": "V0CONSOLE", **view, "state": {"values": values}},
    }
