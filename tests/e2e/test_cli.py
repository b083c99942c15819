"""The operator's commands, run as an operator runs them: `python -m bot ...` in a shell."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.console.local_slack import LocalSlack
from bot.facade import Backorders
from domain.errors import NotFound
from storage.db import Database
from tests.support.builders import delivery, order
from tests.support.databases import postgres_schema_url, require_postgres
from tests.support.http import request
from tests.support.notices import channel_posts

ROOT = Path(__file__).resolve().parents[2]


def bot_command(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_catalog(path: Path, products: list[list[object]]) -> Path:
    book = Workbook()
    suppliers = book.active
    suppliers.title = "Suppliers"
    suppliers.append(["supplier", "email", "lead_time_days", "min_order_qty"])
    suppliers.append(["Acme", "orders@acme.test", 7, 0])
    sheet = book.create_sheet("Products")
    sheet.append(["sku", "name", "supplier", "on_hand", "case_pack", "unit_cost"])
    for row in products:
        sheet.append(row)
    book.save(path)
    return path


def test_a_bad_catalog_is_refused_whole_with_sheet_row_and_column(
    database: Database, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database.url}
    good = write_catalog(tmp_path / "good.xlsx", [["TUBE", "Inner tube", "Acme", 5, 1, 3.2]])
    assert bot_command("import", str(good), env=env).returncode == 0
    bad = write_catalog(
        tmp_path / "bad.xlsx",
        [
            ["TUBE", "Inner tube", "Acme", 99, 1, 3.2],
            ["CHAIN", "Chain", "Acme", "lots", 1, 9],
            ["LIGHT", "Light", "Nobody Ltd", 1, 1, 9],
        ],
    )
    result = bot_command("import", str(bad), env=env)
    assert result.returncode == 2
    assert "Products, row 3, column" in result.stderr and "on_hand" in result.stderr
    assert "Products, row 4, column" in result.stderr and "Nobody Ltd" in result.stderr
    assert "Traceback" not in result.stderr
    backorders = Backorders(database)
    assert backorders.sku("TUBE").on_hand == 5
    assert backorders.overview().suppliers == ()
    with pytest.raises(NotFound, match="CHAIN"):
        backorders.sku("CHAIN")


def test_a_reimport_at_the_command_line_tells_the_channel_which_waiting_orders_can_ship(
    database: Database, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database.url}
    empty = write_catalog(tmp_path / "empty.xlsx", [["TUBE", "Inner tube", "Acme", 0, 1, 3.2]])
    assert bot_command("import", str(empty), env=env).returncode == 0
    Backorders(database).ingest(delivery(order("1001", ("TUBE", 2))))
    assert "ready to ship" not in channel_posts(database)
    stocked = write_catalog(tmp_path / "stocked.xlsx", [["TUBE", "Inner tube", "Acme", 2, 1, 3.2]])
    result = bot_command("import", str(stocked), env=env)
    assert result.returncode == 0, result.stderr
    assert "Order #1001 is ready to ship: pack TUBE x2." in channel_posts(database)
    assert "1 order can ship now" in result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_health(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if request(f"{url}/healthz").status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the bot did not become healthy")


def test_without_a_slack_token_the_bot_opens_the_console_on_the_example_shop(
    tmp_path: Path,
) -> None:
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "PORT": str(free_port()),
        "HOST": "127.0.0.1",
    }
    env.pop("SLACK_BOT_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=env,
        input="/backorders status\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Backorder Bot console (no SLACK_BOT_TOKEN")
    assert "Loaded the example shop" in result.stdout
    status = result.stdout[result.stdout.index("Open backorders") :]
    assert "Velo Parts Ltd" in status and "units waiting" in status
    assert "Traceback" not in result.stdout + result.stderr


def test_with_a_slack_token_the_bot_serves_slack_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    with LocalSlack() as slack:
        env = os.environ | {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "test-signing-secret",
            "SLACK_API_URL": slack.api_url,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
        )
        try:
            wait_for_health(f"http://127.0.0.1:{port}", process)
            health = request(f"http://127.0.0.1:{port}/healthz").json()
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=20)
        finally:
            process.kill()
    assert process.returncode == 0
    assert health["scheduler"] == "running"
    assert "Slack by HTTP (Request URL: /slack/events)" in err


def test_http_mode_without_a_signing_secret_stops_with_what_to_set(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "",
        "SLACK_APP_TOKEN": "",
    }
    result = bot_command("run", env=env)
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET is required" in result.stderr


def test_an_out_of_date_postgresql_schema_stops_the_bot_and_says_what_to_run() -> None:
    require_postgres()
    env = {"DATABASE_URL": postgres_schema_url("bb_cli_fresh"), "PORT": str(free_port())}
    refused = bot_command("run", env=env)
    assert refused.returncode == 2
    assert "python -m bot db upgrade" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert bot_command("db", "upgrade", env=env).returncode == 0
    status = bot_command("db", "status", env=env)
    assert status.returncode == 0 and "up to date" in status.stdout


def test_in_socket_mode_slack_http_is_not_served_and_slack_trouble_keeps_webhooks_up(
    tmp_path: Path,
) -> None:
    port = free_port()
    with LocalSlack() as slack:  # it knows no apps.connections.open: Socket Mode cannot connect
        env = os.environ | {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_APP_TOKEN": "xapp-test",
            "SLACK_API_URL": slack.api_url,
        }
        env.pop("SLACK_SIGNING_SECRET", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
        )
        try:
            wait_for_health(f"http://127.0.0.1:{port}", process)
            forged = request(f"http://127.0.0.1:{port}/slack/events", b"command=/backorders", {})
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=20)
        finally:
            process.kill()
    assert forged.status == 404
    assert "Slack by Socket Mode" in err and "Socket Mode could not connect" in err


def test_in_the_console_a_raised_po_is_approved_with_its_button(tmp_path: Path) -> None:
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "PORT": str(free_port()),
        "HOST": "127.0.0.1",
    }
    env.pop("SLACK_BOT_TOKEN", None)
    steps = "\n/backorders raise Velo Parts Ltd\npress Approve\n/backorders pos\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=env,
        input=steps,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "PO proposal — Velo Parts Ltd" in result.stdout
    assert "Approved: PO-0001 goes to Velo Parts Ltd." in result.stdout
    assert "forward the file above" in result.stdout  # the example has no SMTP_URL


def test_values_too_long_or_large_for_the_database_are_refused_whole_on_every_database(
    database: Database, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database.url}
    good = write_catalog(tmp_path / "good.xlsx", [["TUBE", "Inner tube", "Acme", 5, 1, 3.2]])
    assert bot_command("import", str(good), env=env).returncode == 0
    bad = write_catalog(
        tmp_path / "bad.xlsx",
        [
            ["TUBE", "Inner tube", "Acme", 99, 1, 3.2],
            ["K" * 101, "Long SKU", "Acme", 1, 1, 1],
            ["DEAR", "Dear", "Acme", 1, 1, 123_456_789],
        ],
    )

    result = bot_command("import", str(bad), env=env)

    assert result.returncode == 2
    assert "Products, row 3, column A (sku): is 101 characters long; at most 100 fit" in (
        result.stderr
    )
    assert "Products, row 4, column F (unit_cost): 123456789 is too large" in result.stderr
    assert "Traceback" not in result.stderr
    backorders = Backorders(database)
    assert backorders.sku("TUBE").on_hand == 5
    with pytest.raises(NotFound, match="DEAR"):
        backorders.sku("DEAR")


def test_a_good_catalog_carrying_a_zip_bomb_is_refused_at_the_command_line_in_one_sentence(
    database: Database, tmp_path: Path
) -> None:
    good = write_catalog(tmp_path / "good.xlsx", [["TUBE", "Inner tube", "Acme", 5, 1, 3.2]])
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            copy.writestr(info, source.read(info))
        copy.writestr("xl/media/image1.png", b"\0" * 20_000_000)

    result = bot_command("import", str(bomb), env={"DATABASE_URL": database.url})

    assert result.returncode == 2
    assert "unpacks xl/media/image1.png to" in result.stderr
    assert "times its size (a zip bomb)" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(NotFound, match="TUBE"):
        Backorders(database).sku("TUBE")
