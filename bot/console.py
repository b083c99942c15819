"""The terminal console: the real Bolt app, with a Slack Web API on loopback that prints.

Like Hubot's shell adapter or Errbot's text mode: no workspace needed. `/backorders ...`
is sent to the same app Slack would call, signed like Slack signs; what the bot posts (to
a response URL or through the outbox to the channel) is printed as text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import IO, Any

from slack_bolt import BoltRequest

from bot.app import Bot, build_bot
from bot.config import AppConfig
from bot.console_modal import modal_text, submission
from bot.local_slack import Call, LocalSlack
from bot.server import HttpServer
from bot.settings import Settings
from bot.slack_signing import interactive_body, signed_headers, slash_command_body
from handlers.blocks.message import Message
from handlers.blocks.text import to_text
from handlers.webhooks import parse_generic
from storage.catalog_workbook import read_catalog

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SECRET = "console-signing-secret"
USER = "U0CONSOLE"
BOT_TOKEN = "xoxb-console"
POSTS = frozenset({"chat.postMessage", "chat.update"})
SHOWN = frozenset(
    {"response_url", "chat.postMessage", "chat.update", "files.completeUploadExternal"}
)  # the local Slack takes any token
HELP = (
    "Type `/backorders help` (or any /backorders command), `press <button>` to press a button "
    "(on the last reply, else the latest message with it), `submit ...` to save a form, "
    "`load example` for the example shop, `quit` to leave."
)


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
    out: IO[str]
    last_reply: dict[str, Any] | None = None
    modal: dict[str, Any] | None = None

    @property
    def user(self) -> str:
        """You act as the first approver in app.yaml, so the PO buttons work in the console."""
        approvers = self.bot.config.slack.approvers
        return approvers[0] if approvers else USER

    printed_calls: int = 0
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def say(self, text: str) -> None:
        with self.lock:
            print(text, file=self.out, flush=True)

    def handle(self, line: str) -> bool:
        """One line of input; False when the user leaves."""
        line = line.strip()
        if not line:
            return True
        if line in ("quit", "exit"):
            return False
        if line.startswith("/backorders"):
            self.command(line.removeprefix("/backorders").strip())
        elif line.startswith("press "):
            self.press(line.removeprefix("press ").strip())
        elif line.startswith("submit") and self.modal is not None:
            self.submit(line.removeprefix("submit").strip())
        elif line == "load example":
            self.say(load_example(self.bot))
            self.deliver()
        else:
            self.say(HELP)
        return True

    def command(self, text: str) -> None:
        body = slash_command_body(
            "/backorders",
            text,
            user_id=self.user,
            channel_id=self.bot.config.slack.channel,
            response_url=self.slack.response_url("console"),
        )
        self._dispatch(body)

    def press(self, label: str) -> None:
        button = self._button(label)
        if button is None:
            self.say(f"There is no button “{label}” on the last reply.")
            return
        payload = {
            "type": "block_actions",
            "user": {"id": self.user, "username": "console"},
            "channel": {"id": self.bot.config.slack.channel},
            "team": {"id": "T0CONSOLE"},
            "response_url": self.slack.response_url("console"),
            "trigger_id": "console.trigger",
            "actions": [dict(button, action_ts="0")],
        }
        self._dispatch(interactive_body(payload))

    def _button(self, label: str) -> dict[str, Any] | None:
        """The button on the last reply, else on the latest channel message that has it."""
        posted = [c.params for c in reversed(self.slack.calls()) if c.method in POSTS]
        for message in [self.last_reply or {}, *posted]:
            for block in message.get("blocks") or []:
                for element in block.get("elements", []) if block.get("type") == "actions" else []:
                    if element.get("text", {}).get("text", "").lower() == label.lower():
                        return dict(element, block_id=block.get("block_id", ""))
        return None

    def submit(self, text: str) -> None:
        assert self.modal is not None
        body = interactive_body(submission(self.modal, text, self.user))
        self.modal = None
        self._dispatch(body)

    def _dispatch(self, body: str) -> None:
        assert self.bot.slack is not None
        response = self.bot.slack.dispatch(
            BoltRequest(body=body, headers=signed_headers(SECRET, body))
        )
        if response.body:
            self.say(_ack_text(response.body))
        self.print_new()

    def deliver(self) -> None:
        """Send what the outbox holds now, so channel posts show before the next prompt."""
        if self.bot.worker is not None:
            self.bot.worker.run_once()
        self.print_new()

    def print_new(self) -> None:
        """Print what the bot sent since last time: replies, then channel posts and files."""
        calls = self.slack.calls()
        for call in calls[self.printed_calls :]:
            if call.method == "views.open":
                self.modal = call.params.get("view")
                self.say(modal_text(self.modal or {}))
                continue
            if call.method not in SHOWN or not call.delivered:
                continue  # auth.test, upload steps, failed attempts: not for the reader
            self.say(render_call(call, self.bot.config.slack.channel))
            if call.name == "console":
                self.last_reply = call.params
        self.printed_calls = len(calls)


def _ack_text(body: str) -> str:
    """What an acknowledgement says: usually nothing; a modal's field errors, if any."""
    try:
        answer = json.loads(body)
    except ValueError:
        return to_text(Message(body, []))
    errors = answer.get("errors", {}) if isinstance(answer, dict) else {}
    lines = [f"  {field}: {error}" for field, error in errors.items()]
    return "The form was not saved:\n" + "\n".join(lines) if lines else body


def render_call(call: Call, channel: str) -> str:
    """A delivered Slack call as the person in the channel would read it."""
    params = call.params
    if call.method == "files.completeUploadExternal":
        titles = ", ".join(f.get("title", "") for f in params.get("files", []))
        return f"[#{channel}] file posted: {titles}"
    message = to_text(Message(str(params.get("text", "")), list(params.get("blocks") or [])))
    where = "(only you)" if params.get("response_type", "ephemeral") == "ephemeral" else ""
    if call.method == "chat.postMessage" or params.get("response_type") == "in_channel":
        where = f"[#{channel}, in a thread]" if params.get("thread_ts") else f"[#{channel}]"
    if call.method == "chat.update":
        where = f"[#{channel}, message updated]"
    return f"{where}\n{message}".strip() + "\n"


def load_example(bot: Bot) -> str:
    """The example bike shop: its catalog and a few orders, through the real services."""
    result = bot.backorders.import_catalog(read_catalog(EXAMPLES / "catalog.xlsx"))
    orders = json.loads((EXAMPLES / "orders.json").read_text(encoding="utf-8"))
    for order in orders:
        body = json.dumps(order).encode()
        digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        headers = {"x-signature": f"sha256={digest}"}
        bot.backorders.ingest(parse_generic(body, headers, SECRET))
    bot.backorders.flush_summaries()
    return (
        f"Loaded the example shop: {result.suppliers} suppliers, "
        f"{result.products_added + result.products_updated} products, {len(orders)} orders."
    )


def lines(stream: IO[str]) -> Iterator[str]:
    for line in stream:
        yield line.rstrip("\n")


def run_console(settings: Settings, config: AppConfig, stdin: IO[str], out: IO[str]) -> int:
    """Run until end of input or `quit`; the HTTP server keeps taking webhooks meanwhile."""
    logging.getLogger().setLevel(logging.WARNING)  # the terminal is for the conversation
    with LocalSlack(token_required=False) as slack:
        settings = dataclasses.replace(
            settings,
            slack_api_url=slack.api_url,
            slack_signing_secret=SECRET,
            webhook_secrets={**settings.webhook_secrets},
        )
        bot = build_bot(
            settings, config, slack_token=BOT_TOKEN, listener_executor=RunNow(), outbox_pace_s=0
        )
        console = Console(bot, slack, out)
        server = _serve(bot, settings, console)
        bot.start_background()
        try:
            _session(console, stdin)
        finally:
            bot.stop_background()
            if server is not None:
                server.close()
    return 0


def _serve(bot: Bot, settings: Settings, console: Console) -> HttpServer | None:
    try:
        server = HttpServer(bot.http, settings.host, settings.port)
    except OSError as error:
        console.say(f"(Webhooks are off: port {settings.port} is busy: {error.strerror}.)")
        return None
    server.start_in_thread()
    return server


def _session(console: Console, stdin: IO[str]) -> None:
    console.say(
        "Backorder Bot console (no SLACK_BOT_TOKEN, so no Slack workspace is used): "
        f"{console.bot.settings.database_url}. {HELP}"
    )
    inputs = lines(stdin)
    if console.bot.backorders.is_empty():
        console.say("The database is empty. Load the example catalog and a few orders? [Y/n]")
        first = next(inputs, "n")
        if first.strip().lower() not in ("n", "no"):
            console.say(load_example(console.bot))
            console.deliver()
        if first.startswith("/") and not console.handle(first):
            return
    for line in inputs:
        if not console.handle(line):
            break
        console.deliver()
    console.deliver()
