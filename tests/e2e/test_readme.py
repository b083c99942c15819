"""The README, followed word by word: every example in it is run here, so none can go stale.

Each example in README.md is a fenced block right after a `<!-- example: NAME -->` line. A test
below runs each NAME the way a reader would (`make run`, the curl line, the import command) and
compares what a reader would see with what the README says.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.config import load_config
from tests.support.http import request

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MARKER = re.compile(r"^<!-- example: ([a-z-]+) -->\n```[a-z]*\n(.*?)^```", re.M | re.S)
TESTED = {
    "two-commands",
    "first-run",
    "console-session",
    "send-order",
    "slack-config",
    "import-report",
    "shopify-import",
}
PROMPT = "backorders> "


def examples() -> dict[str, str]:
    """Each marked example of the README, by name."""
    return {name: body for name, body in MARKER.findall(README.read_text(encoding="utf-8"))}


def unmatched(expected: str, actual: str) -> str | None:
    """The first expected line not found, in order, at the start of a line of `actual`."""
    lines = iter(_normal(actual).splitlines())
    for want in _normal(expected).splitlines():
        if want.strip() in ("", "…"):
            continue
        if not any(line.strip().startswith(want.strip()) for line in lines):
            return want
    return None


def _normal(text: str) -> str:
    """Ages depend on today's date, which the README cannot know."""
    return re.sub(r"\b\d+ (day|days)\b", "N days", text)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def reader_env(tmp_path: Path) -> dict[str, str]:
    """A reader's shell: no Slack token, a database and home of their own, a free port."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "MAKE", "MFLAGS")) and not k.endswith("WEBHOOK_SECRET")
    }
    return env | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'backorders.db'}",
        "HOME": str(tmp_path),
        "PORT": str(free_port()),
        "BACKORDER_CONSOLE_FILES": str(tmp_path / "console-files"),
    }


def make_run(env: dict[str, str], typed: str, timeout: float = 120) -> str:
    """`make run` in the project, with `typed` as what the reader types; all it printed."""
    done = subprocess.run(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        input=typed,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_example_in_the_readme_is_run_by_a_test() -> None:
    readme = README.read_text(encoding="utf-8")
    assert set(examples()) == TESTED
    assert readme.count("```") == 2 * len(TESTED), "an unmarked code block in the README"


def test_the_two_commands_are_make_targets_that_do_what_the_readme_says() -> None:
    commands = [line.split("#")[0].split() for line in examples()["two-commands"].splitlines()]
    assert commands == [["make", "run"], ["make", "test"]]
    for target, does in (("run", "-m bot"), ("test", "-m pytest")):
        plan = subprocess.run(
            ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True
        )
        assert does in plan.stdout


def test_first_run_offers_the_example_shop_as_the_readme_shows(
    reader_env: dict[str, str],
) -> None:
    example = examples()["first-run"]
    assert example.startswith("$ make run\n")
    printed = make_run(reader_env, typed="\nquit\n")
    assert unmatched(example.removeprefix("$ make run\n"), printed) is None, printed


def test_a_console_session_on_the_example_shop_goes_as_the_readme_shows(
    reader_env: dict[str, str],
) -> None:
    session = examples()["console-session"].splitlines()
    typed = [line.removeprefix(PROMPT) for line in session if line.startswith(PROMPT)]
    shown = "\n".join(line for line in session if not line.startswith(PROMPT))
    assert len(typed) >= 3
    make_run(reader_env, typed="\nquit\n")  # the quick start: the example shop loaded
    printed = make_run(reader_env, typed="\n".join([*typed, "quit", ""]))
    files = reader_env["BACKORDER_CONSOLE_FILES"]  # console-files/ in the reader's folder
    printed = printed.replace(f"{files}/", "console-files/")
    assert unmatched(shown, printed) is None, printed


@pytest.fixture
def console_with_orders_secret(reader_env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """The quick start, step two: example loaded, then `ORDERS_WEBHOOK_SECRET=... make run`."""
    make_run(reader_env, typed="\nquit\n")
    console = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=reader_env | {"ORDERS_WEBHOOK_SECRET": "change-me"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    port = reader_env["PORT"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if request(f"http://127.0.0.1:{port}/healthz").status == 200:
                break
        except OSError:
            time.sleep(0.1)
    yield console
    if console.poll() is None:
        console.kill()
    console.wait(timeout=30)


def test_the_quick_start_order_gets_the_answer_the_readme_shows(
    reader_env: dict[str, str], console_with_orders_secret: subprocess.Popen[str]
) -> None:
    example = examples()["send-order"]
    assert example.startswith("ORDERS_WEBHOOK_SECRET=change-me make run\n")
    assert "localhost:3000" in example
    shell = example.split("\n", 1)[1].replace("localhost:3000", f"localhost:{reader_env['PORT']}")
    promised = json.loads(shell.rsplit("# ", 1)[1])

    def send() -> dict[str, object]:
        done = subprocess.run(
            ["bash", "-c", shell], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        return json.loads(done.stdout)

    assert send() == promised
    assert send()["outcome"] == "duplicate"
    console = console_with_orders_secret
    printed, _ = console.communicate("/backorders order 1005\nquit\n", timeout=60)
    assert "#1005" in printed


def test_the_slack_settings_shown_are_accepted_as_they_are(tmp_path: Path) -> None:
    app_yaml = (ROOT / "app.yaml").read_text(encoding="utf-8")
    slack_block = re.search(r"^slack:\n(?:  .*\n)+", app_yaml, re.M)
    assert slack_block is not None
    path = tmp_path / "app.yaml"
    path.write_text(app_yaml.replace(slack_block.group(0), examples()["slack-config"]))
    config = load_config(str(path))
    assert config.slack.channel == "#purchasing"
    assert config.slack.approvers == ("U012ABCDEF", "U034GHIJKL")


def test_a_bad_cell_is_reported_by_sheet_row_and_column_as_the_readme_shows(
    reader_env: dict[str, str], tmp_path: Path
) -> None:
    book = load_workbook(ROOT / "examples" / "catalog.xlsx")
    book["Products"]["D3"] = "lots"
    bad = tmp_path / "catalog.xlsx"
    book.save(bad)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "import", str(bad)],
        cwd=ROOT,
        env=reader_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert examples()["import-report"].strip() in done.stdout + done.stderr
    printed = make_run(reader_env, typed="n\nquit\n")
    assert "The database is empty" in printed, "a refused import applied something"


def test_shopifys_product_export_imports_in_one_command_as_the_readme_shows(
    reader_env: dict[str, str], tmp_path: Path
) -> None:
    example = examples()["shopify-import"]
    command, _, expected = example.partition("\n")
    assert command == "$ python -m bot import products_export.csv"
    export = ROOT / "tests" / "fixtures" / "shopify" / "product_template.csv"
    (tmp_path / "products_export.csv").write_bytes(export.read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "bot", "import", "products_export.csv"],
        cwd=tmp_path,
        env=reader_env | {"PYTHONPATH": str(ROOT), "BOT_CONFIG": str(ROOT / "app.yaml")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert unmatched(expected, done.stdout) is None, done.stdout
