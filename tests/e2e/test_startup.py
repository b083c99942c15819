"""Starting with a wrong setting says, in one line, what is wrong and what to do; Slack's
answer to the token is awaited by nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.console.local_slack import Fault, LocalSlack
from storage.db import Database
from tests.e2e.conftest import serving_slack_bot
from tests.support.databases import POSTGRES_URL, require_postgres
from tests.support.http import generic_order, request, signed_generic
from tests.support.slack import SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = (
    ("run",),
    ("console",),
    ("import", "catalog.xlsx"),
    ("db", "upgrade"),
    ("db", "status"),
    ("jobs", "list"),
)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_with(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` with this DATABASE_URL and no Slack token (console mode)."""
    env = os.environ | {"DATABASE_URL": database_url, "PORT": str(closed_port())}
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "BOT_CONFIG"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_refused_in_one_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 2, nothing on stdout, one line on stderr naming the problem; that line."""
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_an_unknown_database_kind_stops_every_command_in_one_line(args: tuple[str, ...]) -> None:
    line = assert_refused_in_one_line(start_with("mysq://shop/backorders", *args), "DATABASE_URL")
    assert "'mysq'" in line and "sqlite:///" in line and "postgresql://" in line


def test_a_sqlite_file_in_a_missing_folder_names_the_folder(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    result = start_with(f"sqlite:///{missing}/bot.db")
    line = assert_refused_in_one_line(result, str(missing), "does not exist")
    assert "create it" in line
    assert not missing.exists()


def test_a_port_that_is_not_a_number_is_said_in_one_line() -> None:
    env = os.environ | {"PORT": "abc", "DATABASE_URL": "sqlite:///unused.db"}
    env.pop("SLACK_BOT_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "status"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_refused_in_one_line(result, "PORT must be a TCP port number", "'abc'")
    assert not (ROOT / "unused.db").exists()


def test_a_url_that_is_not_a_url_is_refused_without_echoing_it() -> None:
    line = assert_refused_in_one_line(start_with("secret-pw-not-a-url", "db", "status"))
    assert "DATABASE_URL is not a database URL" in line
    assert "secret-pw" not in line


@pytest.mark.parametrize("args", [("run",), ("import", "x.xlsx"), ("db", "status")], ids=" ".join)
def test_a_file_that_is_not_a_database_is_named_and_left_alone(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("shopping list\n" * 100)
    line = assert_refused_in_one_line(start_with(f"sqlite:///{notes}", *args), str(notes))
    assert "is not a SQLite database" in line
    assert notes.read_text() == "shopping list\n" * 100


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("sqlite://backorders.db", "sqlite:///backorders.db"),
        ("sqlite:///", "names no file"),
        ("sqlite://", "names no file"),
    ],
)
def test_a_sqlite_url_that_would_keep_orders_in_memory_says_how_to_write_it(
    url: str, says: str
) -> None:
    assert_refused_in_one_line(start_with(url, "db", "status"), says)


def test_a_port_that_answers_but_is_not_postgresql_says_to_fix_host_and_port() -> None:
    with socket.socket() as listener:  # a web server on loopback where PostgreSQL is expected
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        threading.Thread(target=answer_like_a_web_server, args=(listener,), daemon=True).start()
        result = start_with(f"postgresql://bot@127.0.0.1:{port}/shop", "db", "status")
    line = assert_refused_in_one_line(result, f"127.0.0.1:{port}")
    assert "not as PostgreSQL does: fix the host and port" in line


def answer_like_a_web_server(listener: socket.socket) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return  # the test closed the listener
        with conn:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


@pytest.mark.postgres
@pytest.mark.parametrize("args", [("run",), ("jobs", "list")], ids=" ".join)
def test_a_postgresql_database_that_does_not_exist_says_to_create_it(args: tuple[str, ...]) -> None:
    require_postgres()
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/bb_no_such_database"
    line = assert_refused_in_one_line(start_with(url, *args), "bb_no_such_database")
    assert "createdb bb_no_such_database" in line


@pytest.mark.parametrize("args", [("run",), ("db", "upgrade"), ("import", "x.xlsx")], ids=" ".join)
def test_an_unreachable_postgresql_says_where_and_never_shows_the_password(
    args: tuple[str, ...],
) -> None:
    port = closed_port()
    url = f"postgresql://backorders:s3cr3t-pw@127.0.0.1:{port}/shop"
    line = assert_refused_in_one_line(start_with(url, *args), f"127.0.0.1:{port}")
    assert "connection refused" in line and "start the server" in line
    assert "s3cr3t-pw" not in line and "***" in line


def serve_in_slack_mode(slack: LocalSlack, tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    """`python -m bot` with a bot token, Slack calls going to `slack`; the process and its URL."""
    port = closed_port()
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "SLACK_BOT_TOKEN": "xoxb-revoked",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
    }
    env.pop("SLACK_APP_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    return process, f"http://127.0.0.1:{port}"


def health_once(url: str, process: subprocess.Popen[str], key: str, pending: str) -> dict:
    """/healthz as soon as `key` is no longer `pending` (the background check is done)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            answer = request(f"{url}/healthz")
            if answer.status == 200 and answer.json().get(key) != pending:
                return dict(answer.json())
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"/healthz never settled {key}")


def test_a_rejected_slack_token_is_said_in_one_log_line_and_in_healthz(tmp_path: Path) -> None:
    with LocalSlack() as slack:
        slack.fail_next("auth.test", Fault.error("invalid_auth"))
        process, url = serve_in_slack_mode(slack, tmp_path)
        try:
            health = health_once(url, process, "slack", "checking")
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=20)
        finally:
            process.kill()
    assert health["ok"] is True and health["database"] == "ok"  # the webhooks are still taken
    assert health["status"] == "degraded"
    assert health["slack"] == "token rejected: invalid_auth"
    [line] = [line for line in err.splitlines() if "SLACK_BOT_TOKEN" in line]
    assert "Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in line
    assert "https://api.slack.com/apps" in line and "restart" in line
    assert "Traceback" not in err
    assert "will be unused" not in err  # Bolt's warning about a token next to a client


def test_a_slow_slack_holds_up_neither_start_nor_webhooks(
    database: Database, local_slack: LocalSlack
) -> None:
    local_slack.fail_next("auth.test", Fault.timeout(5))  # Slack answers in 5 s
    with serving_slack_bot(database, local_slack) as bot:
        started = time.monotonic()
        first = request(f"{bot.url}/healthz")
        body = generic_order("1001", ("TUBE", 1))
        stored = request(f"{bot.url}/webhooks/orders", body, signed_generic(body))
        assert time.monotonic() - started < 4
        assert first.status == 200 and first.json()["slack"] == "checking"
        assert stored.status == 200
        local_slack.wait_for(lambda calls: any(c.method == "auth.test" for c in calls), 15)
        deadline = time.monotonic() + 15
        while request(f"{bot.url}/healthz").json()["slack"] != "ok":
            assert time.monotonic() < deadline, "the token check never finished"
            time.sleep(0.1)
