"""A console session: the bot started against a loopback Slack, the first-run offer, then one
line at a time until `quit` or the end of input."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import threading
from typing import IO

from bot.app import Bot, build_bot
from bot.config import AppConfig
from bot.console.example import SECRET, load_example
from bot.console.files import files_folder
from bot.console.local_slack import LocalSlack
from bot.console.shell import BOT_TOKEN, Console, RunNow
from bot.console.terminal import Terminal, Watcher
from bot.console.text import HELP
from bot.settings import Settings
from bot.web.server import HttpServer


def run_console(settings: Settings, config: AppConfig, stdin: IO[str], out: IO[str]) -> int:
    """Run until end of input or `quit`; the HTTP server keeps taking webhooks meanwhile."""
    logging.getLogger().setLevel(logging.WARNING)  # the terminal is for the conversation
    changed = threading.Event()  # set by the local Slack on each call it receives
    threads_ignore_ctrl_c = _ctrl_c_blocked()  # threads started now inherit the block
    with LocalSlack(token_required=False, on_call=lambda _: changed.set()) as slack:
        settings = dataclasses.replace(
            settings,
            slack_api_url=slack.api_url,
            slack_signing_secret=SECRET,
            webhook_secrets={**settings.webhook_secrets},
        )
        bot = build_bot(
            settings, config, slack_token=BOT_TOKEN, listener_executor=RunNow(), outbox_pace_s=0
        )
        with Terminal(stdin, out) as terminal:
            console = Console(bot, slack, terminal, files_folder(os.environ))
            server = _serve(bot, settings, console)
            watcher = Watcher(console.print_new, changed)
            bot.start_background()
            try:
                threads_ignore_ctrl_c.release()  # only this thread, at the prompt, takes Ctrl-C
                _session(console)
            except KeyboardInterrupt:
                console.say("")  # Ctrl-C while the bot works: leave without a traceback
            finally:
                bot.stop_background()
                watcher.stop()  # after a last look: the final outbox round is shown
                if server is not None:
                    server.close()
    return 0


class _ctrl_c_blocked:  # reads as what it does: `_ctrl_c_blocked().release()`
    """SIGINT blocked in this thread until `release()`, so the threads started meanwhile never
    take it: Ctrl-C must reach the thread waiting at the prompt, or readline never hears it."""

    def __init__(self) -> None:
        self._before = _mask(signal.SIG_BLOCK, {signal.SIGINT})

    def release(self) -> None:
        _mask(signal.SIG_SETMASK, self._before)


def _mask(how: int, signals: set[signal.Signals]) -> set[signal.Signals]:
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX: there is no per-thread mask
        return set()
    return set(signal.pthread_sigmask(how, signals))


def _serve(bot: Bot, settings: Settings, console: Console) -> HttpServer | None:
    try:
        server = HttpServer(bot.http, settings.host, settings.port)
    except OSError as error:
        console.say(f"(Webhooks are off: port {settings.port} is busy: {error.strerror}.)")
        return None
    server.start_in_thread()
    return server


def _ask(console: Console, question: str) -> str | None:
    """A yes/no question: on a terminal the answer is typed after it, on its line."""
    if console.terminal.interactive:
        return console.terminal.read(f"{question} [Y/n] ", remember=False)
    console.say(f"{question} [Y/n]")
    return console.terminal.read(remember=False)


def _session(console: Console) -> None:
    terminal = console.terminal
    console.say(
        "Backorder Bot console (no SLACK_BOT_TOKEN, so no Slack workspace is used): "
        f"{console.bot.settings.database_url}. {HELP}"
    )
    if console.bot.backorders.is_empty():
        first = _ask(console, "The database is empty. Load the example catalog and a few orders?")
        if ("n" if first is None else first).strip().lower() not in ("n", "no"):
            console.say(load_example(console.bot))
            console.deliver()
        if first is not None and first.startswith("/") and not console.handle(first):
            return
    while (line := terminal.read()) is not None and console.handle(line):
        console.deliver()
    console.deliver()
