"""Two bot processes on one PostgreSQL, clicked at once: still one PO, one email, one file."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest

from bot.console.local_slack import LocalSlack
from bot.facade import Backorders
from domain.model import Catalog, Product, Supplier
from handlers.ids import Action
from storage.db import Database, connect
from storage.migrate import upgrade
from tests.e2e.test_cli import ROOT, free_port, wait_for_health
from tests.support.builders import delivery, order
from tests.support.databases import postgres_schema_url, require_postgres
from tests.support.http import Reply
from tests.support.slack import SIGNING_SECRET, button_click, post_to_slack_events
from tests.support.smtp import smtp_server

APPROVER = "U012ABCDEF"  # slack.approvers in app.yaml


@pytest.fixture
def shared_database() -> Iterator[Database]:
    require_postgres()
    database = connect(postgres_schema_url("bb_replicas"))
    upgrade(database)
    yield database
    database.dispose()


def start_replica(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env=os.environ | env | {"PORT": str(port), "HOST": "127.0.0.1"},
            stderr=out,
        )
    url = f"http://127.0.0.1:{port}"
    wait_for_health(url, process)  # type: ignore[arg-type]
    return process, url


def test_approve_clicked_on_two_replicas_at_once_makes_one_po(
    shared_database: Database, tmp_path: Path
) -> None:
    desk = Backorders(shared_database)
    desk.import_catalog(
        Catalog(
            (Supplier("Acme", "orders@acme.test", 5, 0),),
            (Product("CHAIN", "11-speed chain", "Acme", 0, 6, Decimal("18.90")),),
        )
    )
    desk.ingest(delivery(order("1001", ("CHAIN", 4))))
    po = desk.raise_po("Acme", APPROVER)
    value = f"{po.po_id}:{po.version}"
    with LocalSlack() as slack, smtp_server() as (inbox, smtp_url):
        env = {
            "DATABASE_URL": shared_database.url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "SMTP_URL": smtp_url,
        }
        replicas = [start_replica(env, tmp_path / f"bot{i}.log") for i in range(2)]
        try:
            start = threading.Barrier(8)

            def click(i: int) -> Reply:
                body = button_click(Action.APPROVE_PO, value, slack.response_url(f"c{i}"))
                start.wait()
                return post_to_slack_events(replicas[i % 2][1], body.replace("WJC6QG0MS", APPROVER))

            with ThreadPoolExecutor(8) as pool:
                assert [r.status for r in pool.map(click, range(8))] == [200] * 8
            inbox.wait_for(1, timeout=30)
            slack.wait_for(
                lambda calls: any(c.method.startswith("files.complete") for c in calls), 30
            )
            time.sleep(2)  # a second email or file, if any, would have come by now
        finally:
            for process, _ in replicas:
                process.terminate()
                process.wait(20)
    assert len(inbox.messages) == 1 and "PO-0001" in inbox.messages[0]["Subject"]
    assert len(slack.uploads) == 1
    [sent] = Backorders(shared_database).open_pos()
    assert (sent.number, sent.status) == ("PO-0001", "sent")
