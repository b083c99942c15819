"""Starting with a wrong setting says, in one line, what is wrong and what to do."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.databases import POSTGRES_URL, require_postgres

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


def test_a_url_that_is_not_a_url_is_refused_without_echoing_it() -> None:
    line = assert_refused_in_one_line(start_with("secret-pw-not-a-url", "db", "status"))
    assert "DATABASE_URL is not a database URL" in line
    assert "secret-pw" not in line


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
