"""What makes one Slack request the same request again: the key of its replay guard.

Slack gives no delivery ID to interactivity or commands, so the key is built from what it does
give, which a replay repeats exactly and a new click, command or submission never does.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def _at(value: Any, *path: str | int) -> Any:
    """`value[path...]`, or None where the body is not shaped that way (it is still untrusted)."""
    for step in path:
        if isinstance(step, int):
            ok = isinstance(value, list) and -len(value) <= step < len(value)
        else:
            ok = isinstance(value, dict) and step in value
        if not ok:
            return None
        value = value[step]
    return value


def _key(kind: str, *parts: Any) -> str:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return f"{kind}:{digest[:40]}"


def view_key(body: dict[str, Any]) -> str | None:
    """A modal is submitted once: its id and hash, with what it carried and what was typed."""
    view = body.get("view")
    if _at(view, "id") is None:
        return None
    parts = ("id", "hash", "callback_id", "private_metadata")
    return _key("v", *(_at(view, p) for p in parts), _at(view, "state", "values"))


def action_key(body: dict[str, Any]) -> str | None:
    """A click: its message (or modal), its action_ts, which button, its value and who."""
    action = _at(body, "actions", 0)
    if _at(action, "action_ts") is None:
        return None
    where = _at(body, "container", "message_ts") or _at(body, "container", "view_id")
    fields = ("action_ts", "action_id", "block_id", "value")
    return _key("a", where, *(_at(action, f) for f in fields), _at(body, "user", "id"))


def command_key(body: dict[str, Any]) -> str | None:
    """A slash command: Slack's trigger_id is new for every command typed."""
    trigger = body.get("trigger_id")
    return _key("c", body.get("command"), trigger) if trigger else None


def replay_key(body: dict[str, Any]) -> str | None:
    """The key for a request that may change something, or None (events use `event_id`)."""
    kind = body.get("type")
    if kind == "view_submission":
        return view_key(body)
    if kind == "block_actions":
        return action_key(body)
    if "command" in body:
        return command_key(body)
    return None
