"""The terminal console: the real Bolt app, with a Slack Web API on loopback that prints.

Like Hubot's shell adapter or Errbot's text mode: no workspace needed. `/backorders ...`
is sent to the same app Slack would call, signed like Slack signs; what the bot posts (to
a response URL or through the outbox to the channel) is printed as text when it happens,
above the prompt, and the files it posts are saved where the user can open them.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

from slack_bolt import BoltRequest

from bot.app import Bot
from bot.console.example import SECRET, load_example
from bot.console.files import posted_files, shown_path
from bot.console.local_slack import Call, LocalSlack
from bot.console.modal import modal_text, refusal, submission
from bot.console.slack_signing import interactive_body, signed_headers, slash_command_body
from bot.console.terminal import Terminal
from bot.console.text import (
    HELP,
    NO_FORM,
    NOT_EMPTY,
    ack_text,
    console_help,
    form_refused,
    press_help,
    render_call,
)

USER = "U0CONSOLE"
BOT_TOKEN = "xoxb-console"  # the local Slack takes any token
POSTS = frozenset({"chat.postMessage", "chat.update"})
SHOWN = frozenset({"response_url", "chat.postMessage", "chat.update", "chat.postEphemeral"})
FILES = "files.completeUploadExternal"


DELIVERY_ROUNDS = 100  # bounds one prompt's deliveries; the outbox keeps the rest


class RunNow(Executor):
    """Runs listeners in the caller's thread, so a reply is printed before the next prompt."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


@dataclasses.dataclass
class Console:
    bot: Bot
    slack: LocalSlack
    terminal: Terminal
    files: Path = Path("console-files")
    last_reply: dict[str, Any] | None = None
    modal: dict[str, Any] | None = None
    printed_calls: int = 0
    # the watcher thread and the main thread both print: each call once, in arrival order
    printing: threading.RLock = dataclasses.field(default_factory=threading.RLock)

    @property
    def channel_id(self) -> str:
        """Where you type: the team channel, by the ID Slack would send (found at start)."""
        check = self.bot.slack_check
        return (check.channel_id if check else None) or self.bot.config.slack.channel

    @property
    def user(self) -> str:
        """You act as the first approver in app.yaml, so the PO buttons work in the console."""
        approvers = self.bot.config.slack.approvers
        return approvers[0] if approvers else USER

    def say(self, text: str) -> None:
        self.terminal.say(text)

    def handle(self, line: str) -> bool:
        """One line of input; False when the user leaves."""
        line = line.strip()
        verb, _, rest = line.partition(" ")
        if not line:
            return True
        if line in ("quit", "exit"):
            return False
        if verb == "/backorders":
            self.command(rest.strip())
        elif verb in ("help", "?") and not rest:
            self.help()
        elif verb == "press":
            self.press(rest.strip())
        elif verb == "submit":
            self.submit(rest.strip())
        elif line == "load example":
            self.load_example()
        else:
            self.say(f"“{line}” is not something the console knows. {HELP}")
        return True

    def help(self) -> None:
        """The console's own verbs, then the bot's `/backorders help`."""
        history = self.terminal.history if self.terminal.interactive else None
        self.say(console_help(shown_path(self.files), str(history) if history else None))
        self.command("help")

    def load_example(self) -> None:
        """The example shop, only into an empty database: it re-imports the catalog's stock."""
        if not self.bot.backorders.is_empty():
            self.say(NOT_EMPTY)
            return
        self.say(load_example(self.bot))
        self.deliver()

    def command(self, text: str) -> None:
        body = slash_command_body(
            "/backorders",
            text,
            user_id=self.user,
            channel_id=self.channel_id,
            response_url=self.slack.response_url("console"),
        )
        self._dispatch(body)

    def press(self, label: str) -> None:
        button = self._button(label) if label else None
        if button is None:
            self.say(press_help(label, self._in_sight()))
            return
        payload = {
            "type": "block_actions",
            "user": {"id": self.user, "username": "console"},
            "channel": {"id": self.channel_id},
            "team": {"id": "T0CONSOLE"},
            "response_url": self.slack.response_url("console"),
            "trigger_id": "console.trigger",
            "actions": [dict(button, action_ts="0")],
        }
        self._dispatch(interactive_body(payload))

    def _buttons(self) -> list[dict[str, Any]]:
        """Buttons on the last reply, then on channel messages, the latest first."""
        return [
            dict(element, block_id=block.get("block_id", ""))
            for message in [self.last_reply or {}, *self._latest_posts()]
            for block in message.get("blocks") or []
            if block.get("type") == "actions"
            for element in block.get("elements", [])
            if element.get("type", "button") == "button"
        ]

    def _latest_posts(self) -> list[dict[str, Any]]:
        """Channel messages as they read now, the latest first: an updated one by its update."""
        posts: list[dict[str, Any]] = []
        seen: set[object] = set()
        for call in reversed(self.slack.calls()):
            ts = call.params.get("ts") or call.response.get("ts")
            if call.method in POSTS and call.delivered and ts not in seen:
                seen.add(ts)
                posts.append(call.params)
        return posts

    def _button(self, label: str) -> dict[str, Any] | None:
        """The button on the last reply, else on the latest channel message that has it."""
        wanted = label.lower()
        found = (b for b in self._buttons() if b.get("text", {}).get("text", "").lower() == wanted)
        return next(found, None)

    def _in_sight(self) -> list[str]:
        labels = (b.get("text", {}).get("text", "") for b in self._buttons())
        return list(dict.fromkeys(label for label in labels if label))

    def submit(self, text: str) -> None:
        if self.modal is None:
            self.say(NO_FORM)
            return
        refused = refusal(self.modal, text)
        if refused is not None:
            self.say(f"{refused} The form is still open: `submit` again.")
            return
        modal, self.modal = self.modal, None
        answer = self._dispatch(interactive_body(submission(modal, text, self.user)))
        if form_refused(answer):
            self.modal = modal  # Slack keeps a refused form open for the fix; so does the console
            self.say("The form is still open: fix the line and `submit` again.")

    def _dispatch(self, body: str) -> str:
        """Send one signed request to the app; print its acknowledgement and what followed."""
        assert self.bot.slack is not None
        response = self.bot.slack.dispatch(
            BoltRequest(body=body, headers=signed_headers(SECRET, body))
        )
        if response.body:
            self.say(ack_text(response.body))
        self.print_new()
        return response.body or ""

    def deliver(self) -> None:
        """Send what the outbox holds now, so channel posts show before the next prompt."""
        for _ in range(DELIVERY_ROUNDS):  # a round sends each channel's next message
            if not sum(worker.run_once() for worker in self.bot.workers):
                break
        self.print_new()

    def print_new(self) -> None:
        """Print what the bot sent since last time: replies, channel posts, forms and files."""
        with self.printing:
            calls = self.slack.calls()
            for call in calls[self.printed_calls :]:
                self._print(call)
            self.printed_calls = len(calls)

    def _print(self, call: Call) -> None:
        channel = self.bot.config.slack.channel.lstrip("#")  # "#purchasing" or an ID
        if call.method == "views.open":
            # Slack gives every opened form its own id; the bot tells one submission from its
            # repeat by it, so each form the console shows gets one too.
            self.modal = {
                **(call.params.get("view") or {}),
                "id": f"V{uuid.uuid4().hex[:12].upper()}",
            }
            self.say(modal_text(self.modal))
        elif call.method == FILES and call.delivered:
            self.say(f"[#{channel}] {posted_files(call.response, self.slack.uploads, self.files)}")
        elif call.method in SHOWN and call.delivered:
            self.say(render_call(call, channel, self.slack.channel_names()))
            if call.name == "console":
                self.last_reply = call.params
        # auth.test, upload steps, failed attempts: not for the reader
