"""What the console prints: Slack calls as the channel would read them, and its own help."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.console.local_slack import Call
from handlers.blocks.message import Message
from handlers.blocks.text import to_text

HELP = (
    "Type `help` for the console's commands, `/backorders help` for the bot's, "
    "`quit` (or Ctrl-D) to leave."
)
VERBS = (
    ("/backorders <command>", "what you would type in Slack (the bot's list is below)"),
    ("press <button>", "press a button on the last reply, else on the latest post with it"),
    ("submit SKU=qty ... [+tick] [note]", "save the open form (Adjust, Receive); it shows how"),
    ("load example", "load the example bike shop into an empty database"),
    ("help", "this list"),
    ("quit", "leave (so does Ctrl-D)"),
)
NO_FORM = (
    "There is no form open. Press a button that opens one (Adjust, Receive) first; "
    "then `submit SKU=qty ... [note]`."
)
NO_BUTTONS = (
    "There are no buttons in sight. Buttons come with replies and posts: "
    "`/backorders status` has [Share in channel]; `/backorders raise <supplier>` posts a "
    "proposal with [Approve] [Adjust] [Hold]; a sent PO has [Receive]."
)
NOT_EMPTY = (
    "`load example` only fills an empty database, and this one already has a catalog: "
    "loading it again would re-import the catalog and reset stock counts, so waiting lines "
    "could be filled with stock that does not exist. To try the example shop, start the "
    "console on a new database, e.g. `DATABASE_URL=sqlite:///example.db make run`."
)


def console_help(files: str, history: str | None) -> str:
    """The console's verbs, and where its files and history go."""
    width = max(len(verb) for verb, _ in VERBS)
    lines = ["Console commands:"]
    lines += [f"  {verb.ljust(width)}  {what}" for verb, what in VERBS]
    lines.append(f"Files the bot posts (workbooks) are saved in {files}/.")
    if history:
        lines.append(f"Up and Down recall earlier lines; they are kept in {history}.")
    return "\n".join(lines)


def press_help(label: str, in_sight: list[str]) -> str:
    """What `press` expects: a label, one of the buttons in sight."""
    if not in_sight:
        return NO_BUTTONS
    buttons = " ".join(f"[{name}]" for name in in_sight)
    asked = f"There is no button “{label}” in sight." if label else "Press which button?"
    return f"{asked} Buttons in sight: {buttons}. Type e.g. `press {in_sight[0]}`."


def ack_text(body: str) -> str:
    """What an acknowledgement says: usually nothing; a modal's field errors, if any."""
    try:
        answer = json.loads(body)
    except ValueError:
        return to_text(Message(body, []))
    errors = answer.get("errors", {}) if isinstance(answer, dict) else {}
    lines = [f"  {error}" for error in errors.values()]  # each error names its SKU
    return "The form was not saved:\n" + "\n".join(lines) if lines else body


def form_refused(ack_body: str) -> bool:
    """Did the app answer a form with field errors (the form stays open in Slack)?"""
    try:
        answer = json.loads(ack_body)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("response_action") == "errors"


CHANNEL_LINK = re.compile(r"#([CG][A-Z0-9]{6,})\b")


def render_call(call: Call, channel: str, names: dict[str, str] | None = None) -> str:
    """A delivered Slack call as the person in the channel would read it."""
    params: dict[str, Any] = call.params
    message = to_text(Message(str(params.get("text", "")), list(params.get("blocks") or [])))
    known = names or {}
    message = CHANNEL_LINK.sub(lambda m: "#" + known.get(m.group(1), m.group(1)), message)
    where = "(only you)" if params.get("response_type", "ephemeral") == "ephemeral" else ""
    if call.method == "chat.postMessage" or params.get("response_type") == "in_channel":
        where = f"[#{channel}, in a thread]" if params.get("thread_ts") else f"[#{channel}]"
    if call.method == "chat.update":
        where = f"[#{channel}, message updated]"
    return f"{where}\n{message}".strip() + "\n"
