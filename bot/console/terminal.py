"""The console's terminal: a prompt with line editing and history on a TTY, plain lines on a pipe.

Messages the bot posts while a line is being typed are printed above it, and the prompt and the
typed text are drawn again below, as Errbot's text backend and Hubot's shell do.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType, TracebackType
from typing import IO, Self

PROMPT = "backorders> "
HISTORY_ENV = "BACKORDER_CONSOLE_HISTORY"
DEFAULT_HISTORY = "~/.backorder_bot_history"
HISTORY_LENGTH = 1000
CLEAR_LINE = "\r\x1b[K"  # back to the line's start, then erase it


def history_path(env: Mapping[str, str]) -> Path:
    """Where typed lines are kept between runs: $BACKORDER_CONSOLE_HISTORY, else a dot-file."""
    return Path(env.get(HISTORY_ENV) or DEFAULT_HISTORY).expanduser()


class Terminal:
    """Reads lines and prints messages; thread-safe, so the bot may print from any thread."""

    def __init__(self, stdin: IO[str], out: IO[str], history: Path | None = None) -> None:
        self.stdin = stdin
        self.out = out
        self.history = history if history is not None else history_path(os.environ)
        self.lock = threading.Lock()
        self._prompt: str | None = None  # set while the user is typing at a prompt
        # readline edits the process's own terminal, so only when both ends are that terminal
        self.readline = _readline() if _is_tty(stdin) and _is_tty(out) else None

    @property
    def interactive(self) -> bool:
        """A person at a terminal: a prompt, line editing and history."""
        return self.readline is not None

    def __enter__(self) -> Self:
        if self.readline is not None:
            self.readline.set_history_length(HISTORY_LENGTH)
            with contextlib.suppress(OSError):  # the first run: no history yet
                self.readline.read_history_file(self.history)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.readline is None:
            return
        try:
            self.history.parent.mkdir(parents=True, exist_ok=True)
            self.readline.write_history_file(self.history)
        except OSError as error:
            self.say(f"(History not saved to {self.history}: {error.strerror}.)")

    def read(self, prompt: str = PROMPT, remember: bool = True) -> str | None:
        """The next line, or None at the end of input (Ctrl-D, or the end of a pipe)."""
        if self.readline is None:
            line = self.stdin.readline()
            return line.rstrip("\n") if line else None
        with self.lock:
            self._prompt = prompt
        try:
            line = input(prompt)
        except EOFError:
            print(file=self.out, flush=True)  # Ctrl-D: the shell's prompt starts on a new line
            return None
        except KeyboardInterrupt:
            print(file=self.out, flush=True)  # the next prompt on a line of its own
            line = ""  # Ctrl-C drops the line being typed, as in Python's own prompt
        finally:
            with self.lock:
                self._prompt = None
        if not remember and line.strip():
            self.readline.remove_history_item(self.readline.get_current_history_length() - 1)
        return line

    def say(self, text: str) -> None:
        """Print a message; while a line is being typed, above it, with the prompt redrawn."""
        with self.lock:
            if self._prompt is None or self.readline is None:
                print(text, file=self.out, flush=True)
                return
            typed = self.readline.get_line_buffer()
            self.out.write(f"{CLEAR_LINE}{text}\n{self._prompt}{typed}")
            self.out.flush()


class Watcher:
    """Calls `show` whenever `changed` is set, on its own thread: posts print as they happen."""

    def __init__(self, show: Callable[[], None], changed: threading.Event) -> None:
        self.show = show
        self.changed = changed
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="console-watcher", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            self.changed.wait()
            self.changed.clear()  # before showing: a change arriving meanwhile wakes us again
            if self.stopping:
                return
            self.show()

    def stop(self) -> None:
        """Show what is left, then end the thread."""
        self.show()
        self.stopping = True
        self.changed.set()
        self.thread.join(timeout=5)


def _is_tty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _readline() -> ModuleType | None:
    """The standard library's readline, where the platform has it (not on Windows)."""
    try:
        import readline
    except ImportError:
        return None
    return readline
