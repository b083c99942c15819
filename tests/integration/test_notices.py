"""Notices rendered when they are sent: the outbox holds what happened (a kind and ids), the
worker words it from the database as it is then; rows queued by older versions still go out.
On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from bot.config import parse_config
from bot.delivery.deliveries import Deliveries, EmailRecords
from bot.delivery.notices import Notices
from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.rendered import Letter
from bot.delivery.slack_delivery import SlackDelivery
from bot.facade import Backorders
from domain.purchase_order import Actor
from handlers.ids import Action
from storage.db import Database
from storage.models import OutboxRow
from storage.outbox import OutboxStore
from tests.support.builders import catalog, delivery, order

T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BOSS = Actor("U1", True)
CONFIG = parse_config({"slack": {"channel": "C0PURCHASE"}, "timezone": "UTC"})
outbox = OutboxRow.__table__


class RecordingSlack:
    """The three Web API calls the outbox makes, each kept as it was made."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((method, params))
        return {"channel": params.get("channel", "C0PURCHASE"), "ts": f"1700.{len(self.calls)}"}

    def chat_postMessage(self, **params: Any) -> dict[str, Any]:
        return self._answer("post", params)

    def chat_update(self, **params: Any) -> dict[str, Any]:
        return self._answer("update", params)

    def files_upload_v2(self, **params: Any) -> dict[str, Any]:
        return {"files": [{"id": self._answer("file", params)["ts"]}]}

    def made(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]


def shop(database: Database, email: bool = False) -> Backorders:
    desk = Backorders(database, lambda: T, CONFIG, email_enabled=email)
    desk.import_catalog(catalog(("CHAIN", 0)))
    desk.ingest(delivery(order("1001", ("CHAIN", 3), placed=T)))
    return desk


def send_everything(desk: Backorders, slack: RecordingSlack, letters: list[Letter]) -> None:
    """The bot's outbox worker, with its registry, until nothing is left to send."""

    def email(letter: Letter) -> dict[str, Any]:
        letters.append(letter)
        return {"to": letter.to, "message_id": f"<{len(letters)}@test>"}

    store = OutboxStore(desk.database)
    deliveries = Deliveries(
        Notices(desk.database, desk.clock, desk.config),
        SlackDelivery(slack, store),  # type: ignore[arg-type]
        email,
        EmailRecords(desk.database, desk.purchasing, desk.clock),
    )
    worker = OutboxWorker(store, deliveries, desk.clock, pace_s=0, backoff_base_s=0)
    while worker.run_once():
        pass


def rows(database: Database) -> list[tuple[str, dict[str, Any]]]:
    with database.reader.connect() as conn:
        found = conn.execute(select(outbox.c.kind, outbox.c.payload).order_by(outbox.c.id))
        return [(kind, json.loads(payload)) for kind, payload in found]


def test_an_approval_queues_what_happened_to_which_po_and_nothing_already_worded(
    database: Database,
) -> None:
    desk = shop(database, email=True)
    po = desk.raise_po("Acme", "U1")
    desk.approve_po(po.po_id, po.version, BOSS)
    queued = rows(database)
    assert [kind for kind, _ in queued] == [
        "po.proposed",
        "po.workbook",
        "po.to_supplier",
        "po.changed",
    ]
    assert queued[1][1] == {"po_id": po.po_id}
    assert queued[2][1] == {"po_id": po.po_id, "to": "orders@acme.test"}
    assert not any({"text", "blocks", "body", "thread_of"} & set(facts) for _, facts in queued)


def test_a_proposal_sent_after_its_approval_shows_the_po_as_approved(database: Database) -> None:
    desk = shop(database)
    po = desk.raise_po("Acme", "U1")
    desk.approve_po(po.po_id, po.version, BOSS)  # before Slack could be reached
    slack = RecordingSlack()
    send_everything(desk, slack, [])
    first = slack.made("post")[0]
    assert first["text"].startswith("PO-0001 for Acme sent")
    buttons = json.dumps(first["blocks"])
    assert Action.APPROVE_PO not in buttons and Action.RECEIVE_PO in buttons  # as it is now
    [workbook] = slack.made("file")
    assert workbook["filename"] == "PO-0001.xlsx"
    assert workbook["thread_ts"] == "1700.1"  # in the proposal's thread
    forward = slack.made("post")[1]
    assert forward["thread_ts"] == "1700.1"
    assert "forward the file above" in forward["text"]


def test_rows_queued_before_the_upgrade_still_go_out_as_they_were_worded(
    database: Database,
) -> None:
    desk = shop(database, email=True)
    po = desk.raise_po("Acme", "U1")
    desk.approve_po(po.po_id, po.version, BOSS)
    key = f"po:{po.po_id}"
    old = {  # what the previous version wrote for the same approval
        "po.proposed": ("slack.post", {"text": "PO proposal — Acme (old)", "blocks": []}),
        "po.workbook": (
            "slack.file",
            {"builder": key, "filename": "PO-0001.xlsx", "thread_of": key, "title": "PO-0001"},
        ),
        "po.to_supplier": (
            "email",
            {
                "po_id": po.po_id,
                "to": "orders@acme.test",
                "subject": "Purchase order PO-0001",
                "body": "Hello Acme (old body)",
                "attachment": key,
                "message_key": f"PO-0001.po{po.po_id}",
            },
        ),
        "po.changed": ("slack.update", {"text": "PO-0001 approved (old)", "update_of": key}),
    }
    with database.engine.begin() as conn:
        for kind, (old_kind, payload) in old.items():
            conn.execute(
                update(outbox)
                .where(outbox.c.kind == kind)
                .values(kind=old_kind, payload=json.dumps(payload))
            )
    slack, letters = RecordingSlack(), []
    send_everything(desk, slack, letters)
    assert slack.made("post")[0]["text"] == "PO proposal — Acme (old)"
    assert [f["filename"] for f in slack.made("file")] == ["PO-0001.xlsx"]
    assert slack.made("file")[0]["content"][:2] == b"PK"  # the workbook, built as it was
    [letter] = letters
    assert (letter.to, letter.body, letter.attachment[0]) == (
        "orders@acme.test",
        "Hello Acme (old body)",
        "PO-0001.xlsx",
    )
    assert desk.po(po.po_id).status == "sent"  # type: ignore[union-attr]
    assert any("📧 Emailed to orders@acme.test." in p["text"] for p in slack.made("post"))
    assert slack.made("update")[0]["text"] == "PO-0001 approved (old)"
    with database.reader.connect() as conn:
        statuses = conn.execute(select(outbox.c.status)).scalars().all()
    assert set(statuses) == {"sent"}
