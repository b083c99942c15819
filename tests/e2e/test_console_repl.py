"""The console as a person uses it: `python -m bot console` in a terminal (a pseudo-terminal here).

Each test reads what the terminal shows until the expected text appears, with a timeout; none
sleeps to wait for time.
"""

from __future__ import annotations

import codecs
import hashlib
import hmac
import os
import re
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support.http import request

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "console-repl-secret"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r")  # colours, cursor moves, modes
LEFT, UP, CTRL_D = "\x1b[D", "\x1b[A", "\x04"
PROMPT = "backorders> "


def _take_terminal() -> None:
    """In the child, after setsid: make its pty the controlling terminal, as a shell does."""
    import fcntl
    import termios

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """`python -m bot console` on a pseudo-terminal: type into it, expect what it shows."""

    def __init__(self, env: dict[str, str]) -> None:
        import pty  # POSIX only; imported here so the module loads (and skips) elsewhere

        self.master, child = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "console"],
            cwd=ROOT,
            env=env,
            stdin=child,
            stdout=child,
            stderr=child,
            start_new_session=True,
            preexec_fn=_take_terminal,  # the pty becomes its controlling terminal: Ctrl-C works
        )
        os.close(child)
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.raw = ""  # everything shown, as sent
        self.screen = ""  # everything shown, escape sequences removed
        self.seen = 0  # where the next expect starts looking

    def waiting_for_a_key(self, timeout: float = 10) -> None:
        """Until the console's main thread waits in select() for the next key.

        A Ctrl-C that lands while readline is still handling the keys before it is only seen at
        the next key (CPython's readline checks signals when select() is interrupted): a person
        pauses before Ctrl-C, so the test waits for the same moment."""
        deadline = time.monotonic() + timeout
        wchan = Path(f"/proc/{self.process.pid}/wchan")
        while "poll" not in wchan.read_text() and "select" not in wchan.read_text():
            assert time.monotonic() < deadline, f"the console never waited for a key: {wchan}"
            time.sleep(0.01)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def line(self, text: str) -> None:
        self.type(text + "\r")

    def expect(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        """Read until `pattern` shows after the last match; fail with the screen if it does not."""
        deadline = time.monotonic() + timeout
        while (found := re.compile(pattern).search(self.screen, self.seen)) is None:
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                raise AssertionError(f"{pattern!r} not shown; the terminal shows:\n{self.tail()}")
        self.seen = found.end()
        return found

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: the console exited and closed the terminal
            data = b""
        text = self.decoder.decode(data)
        self.raw += text
        self.screen += ANSI.sub("", text)
        return bool(data)

    def tail(self, chars: int = 3000) -> str:
        return self.screen[-chars:]

    def quit(self, keys: str = "quit\r") -> int:
        """Leave as the user would, and the console's exit status once it has gone."""
        self.type(keys)
        while self._read(30):
            pass
        return self.process.wait(timeout=30)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        os.close(self.master)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    inputrc = tmp_path / "inputrc"
    inputrc.write_text("", encoding="utf-8")  # no key bindings from the machine's readline set-up
    values = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'console.db'}",
        "PORT": str(free_port()),
        "HOST": "127.0.0.1",
        "HOME": str(tmp_path),
        "BACKORDER_CONSOLE_HISTORY": str(tmp_path / "history"),
        "BACKORDER_CONSOLE_FILES": str(tmp_path / "files"),
        "ORDERS_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "INPUTRC": str(inputrc),
        "TERM": "xterm",
    }
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SMTP_URL"):
        values.pop(name, None)
    return values


@contextmanager
def console(env: dict[str, str], answer: str | None = "") -> Iterator[Terminal]:
    """A console at its prompt; `answer` to the first run's question (None: not a first run)."""
    terminal = Terminal(env)
    try:
        if answer is not None:
            terminal.expect(r"The database is empty\. Load the example catalog")
            terminal.expect(r"\[Y/n\] ")
            terminal.line(answer)
        if answer == "":
            terminal.expect(r"Loaded the example shop")
        terminal.expect(PROMPT)
        yield terminal
    finally:
        terminal.close()


def test_on_a_terminal_the_console_prompts_and_the_arrow_keys_edit_the_line(
    env: dict[str, str],
) -> None:
    with console(env) as terminal:
        terminal.type("/backorders tatus" + LEFT * 5 + "s\r")  # the "s" goes before "tatus"
        terminal.expect(r"\(only you\)\nOpen backorders")
        terminal.expect(PROMPT)
        assert terminal.quit(CTRL_D) == 0
    assert "Traceback" not in terminal.screen


def test_a_line_typed_in_one_session_comes_back_with_up_in_the_next(env: dict[str, str]) -> None:
    with console(env) as first:
        first.line("/backorders sku BK-TUBE-700")
        first.expect(r"Oldest waiting\n#1001")
        assert first.quit() == 0
    assert "/backorders sku BK-TUBE-700" in Path(env["BACKORDER_CONSOLE_HISTORY"]).read_text()
    with console(env, answer=None) as second:
        second.type(UP + UP)  # the last line was `quit`; the one before it
        second.expect(r"/backorders sku BK-TUBE-700")
        second.type("\r")
        second.expect(r"Oldest waiting\n#1001")


def test_a_post_made_while_the_user_types_shows_above_the_prompt_and_the_typing_is_kept(
    env: dict[str, str],
) -> None:
    with console(env) as terminal:
        terminal.type("/backorders st")
        terminal.expect(r"/backorders st$")  # echoed: the user sees what they typed so far
        send_order(env, (ROOT / "examples" / "order.json").read_bytes())  # order 1005 waits
        ran = subprocess.run(
            [sys.executable, "-m", "bot", "jobs", "run", "summary"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ran.returncode == 0, ran.stderr
        # nothing was typed since: the console's outbox sent the summary and it printed itself
        terminal.expect(r"\[#purchasing\]\n\d+ new backorders?[^\n]*\n")
        terminal.expect(r"#1005 · BK-TUBE-700")
        terminal.expect(re.escape(PROMPT + "/backorders st"))  # drawn again, below the post
        assert "\r\x1b[K[#purchasing]" in terminal.raw  # the half-typed line was erased first
        terminal.type("atus\r")
        terminal.expect(r"\(only you\)\nOpen backorders")


def send_order(env: dict[str, str], body: bytes) -> None:
    """Post an order to the console's webhook as a store would, signed."""
    digest = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    answer = request(
        f"http://127.0.0.1:{env['PORT']}/webhooks/orders",
        body,
        {"Content-Type": "application/json", "X-Signature": f"sha256={digest}"},
    )
    assert answer.status == 200, answer.body


def test_a_posted_po_workbook_is_saved_in_the_files_folder_and_its_path_printed(
    env: dict[str, str],
) -> None:
    with console(env) as terminal:
        terminal.line("/backorders raise Velo Parts Ltd")
        terminal.expect(r"\[Approve\] \[Adjust\] \[Hold\]")
        terminal.expect(PROMPT)
        terminal.line("press Approve")
        saved = terminal.expect(r"file posted: PO-0001 — Velo Parts Ltd \(saved to (\S+)\)")
    path = Path(saved.group(1))
    assert path == Path(env["BACKORDER_CONSOLE_FILES"]) / "PO-0001.xlsx"
    cells = {str(c.value) for row in load_workbook(path).active.iter_rows() for c in row}
    assert {"BK-TUBE-700", "BK-TUBE-26", "BK-PADS-DISC"} <= cells


def test_press_submit_and_help_say_what_they_expect(env: dict[str, str]) -> None:
    with console(env, answer="n") as terminal:
        terminal.line("submit BK-TUBE-700=3")
        terminal.expect(
            r"There is no form open\. Press a button that opens one \(Adjust, Receive\)"
        )
        terminal.expect(r"then `submit SKU=qty \.\.\. \[note\]`")
        terminal.line("press Approve")
        terminal.expect(r"There are no buttons in sight\.")
        terminal.line("help")
        terminal.expect(r"Console commands:")
        for verb in ("/backorders <command>", "press <button>", "submit SKU=qty", "load example"):
            terminal.expect(re.escape(verb))
        terminal.expect(r"Up and Down recall earlier lines")
        terminal.expect(r"/backorders raise <supplier> — propose a supplier's PO now")


def test_a_form_refused_for_a_bad_quantity_stays_open_for_the_fix(env: dict[str, str]) -> None:
    with console(env) as terminal:
        terminal.line("/backorders raise Velo Parts Ltd")
        terminal.expect(r"\[Approve\] \[Adjust\] \[Hold\]")
        terminal.line("press Adjust")
        terminal.expect(r"\[modal\] Adjust PO")
        terminal.line("submit BK-PADS-DISC=lots")
        terminal.expect(r"BK-PADS-DISC: “lots” is not a whole number")
        terminal.expect(r"The form is still open")
        terminal.line("submit BK-PADS-DISC=0 not needed yet")
        terminal.expect(r"not needed yet")
        terminal.line("/backorders supplier Velo Parts Ltd")
        terminal.expect(r"Velo Parts Ltd")
    assert "There is no form open" not in terminal.screen


def test_submit_names_whole_skus_and_refuses_what_is_not_on_the_form(env: dict[str, str]) -> None:
    with console(env) as terminal:
        terminal.line("/backorders raise Velo Parts Ltd")
        terminal.expect(r"\[Approve\] \[Adjust\] \[Hold\]")
        terminal.line("press Adjust")
        terminal.expect(r"\[modal\] Adjust PO")
        terminal.line("submit BK-TUBE=0")
        terminal.expect(r"BK-TUBE: not on this form \(its lines: BK-PADS-DISC, BK-TUBE-26")
        terminal.line("submit BK-TUBE-26=0 +cancle")
        terminal.expect(r"\+cancle: no such box on this form")
        terminal.line("submit BK-TUBE-26=0 not needed yet")
        terminal.expect(r"not needed yet")
        terminal.line("/backorders supplier Velo Parts Ltd")
        terminal.expect(r"BK-TUBE-700[^\n]*order 12")  # a prefix of its SKU changed nothing


def test_ctrl_c_drops_the_half_typed_line_and_prompts_on_a_fresh_line(
    env: dict[str, str],
) -> None:
    with console(env, answer="n") as terminal:
        terminal.type("/backorders stat")
        terminal.expect(r"/backorders stat")
        terminal.waiting_for_a_key()
        terminal.type("\x03")  # Ctrl-C
        terminal.expect(r"\n" + PROMPT)
        terminal.line("/backorders help")
        terminal.expect(r"Ask me with /backorders:")
        assert terminal.process.poll() is None
    assert "Open backorders" not in terminal.screen  # the dropped line never ran


def test_load_example_refuses_a_database_that_already_has_data(env: dict[str, str]) -> None:
    with console(env) as terminal:
        terminal.line("load example")
        terminal.expect(r"`load example` only fills an empty database")
        terminal.expect(r"reset stock counts")
        terminal.line("/backorders sku BK-TUBE-700")
        terminal.expect(r"Waiting: 3 units on 2 lines")  # the waiting lines are as they were
    assert terminal.screen.count("Loaded the example shop") == 1


def test_the_receive_form_shows_how_to_tick_cancel_the_rest_and_the_tick_closes_the_po(
    env: dict[str, str],
) -> None:
    with console(env) as terminal:
        terminal.line("/backorders raise Velo Parts Ltd")
        terminal.expect(r"\[Approve\] \[Adjust\] \[Hold\]")
        terminal.line("press Approve")
        terminal.expect(r"\[#purchasing, message updated\]\nPO-0001[^\[]*\[Receive\]")
        terminal.line("press Receive")
        terminal.expect(r"\[modal\] Receive PO")
        terminal.expect(r"\[ \] Cancel what has not arrived \(it waits again\) \(type \+cancel")
        terminal.expect(r"`submit SKU=quantity \.\.\. \[\+everything\] \[\+cancel\] \[a note\]`")
        terminal.line("submit BK-PADS-DISC=6 BK-TUBE-26=0 BK-TUBE-700=0 +cancel")
        terminal.expect(r"Received\. Orders ready to ship")
        terminal.line("/backorders pos")
        terminal.expect(r"Open purchase orders\n[─]+\nNo open purchase orders\.")


def test_through_a_pipe_the_console_reads_plain_lines_without_a_prompt(
    env: dict[str, str],
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        cwd=ROOT,
        env=env,
        input="\n/backorders status\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Open backorders" in result.stdout
    assert PROMPT not in result.stdout and "\x1b" not in result.stdout
    assert not Path(env["BACKORDER_CONSOLE_HISTORY"]).exists()
