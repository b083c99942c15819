"""The purchase-order lifecycle machine's world: a catalog, a Slack and a mail server that fail
when told to, what the supplier was sent (read back from the workbooks), and SQL reads."""

from __future__ import annotations

import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import text

from bot.delivery.deliveries import Deliveries, EmailRecords
from bot.delivery.email_delivery import EmailDelivery, SmtpSettings
from bot.delivery.notices import Notices
from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.slack_delivery import SlackDelivery
from bot.facade import Backorders
from domain.model import Catalog, Product, Supplier
from domain.purchasing import PurchaseOrderView
from storage.db import Database
from storage.models import Base
from storage.outbox import OutboxStore, QueuedMessage
from tests.support.databases import empty_tables

VELO = Supplier("Velo Parts Ltd", "orders@velo.test", 5, 0)  # emailed: approved, then sent
BOLT = Supplier("Bolt Cycles", None, 3, 6)  # no email: sent at once; proposed early at 6 units
SUPPLIERS = (VELO, BOLT)
# SKU: (supplier, case pack)
SKUS = {
    "BK-PADS-DISC": (VELO.name, 1),
    "BK-CHAIN": (VELO.name, 6),
    "PUMP": (BOLT.name, 1),
    "TUBE": (BOLT.name, 2),
}
SKU_NAMES = sorted(SKUS)
EMAIL_OF = {s.name: s.email for s in SUPPLIERS}


def shop_catalog(on_hand: dict[str, int]) -> Catalog:
    """The test catalog with these stock levels."""
    products = tuple(
        Product(sku, f"Product {sku}", supplier, on_hand[sku], pack, Decimal("2.50"))
        for sku, (supplier, pack) in SKUS.items()
    )
    return Catalog(SUPPLIERS, products)


def next_friday_15(after: datetime) -> datetime:
    """The configured deadline (fri 15:00 UTC) strictly after `after`."""
    day = after.replace(hour=15, minute=0, second=0, microsecond=0)
    day += timedelta(days=(4 - day.weekday()) % 7)
    return day if day > after else day + timedelta(days=7)


def reset(database: Database) -> None:
    """Every row gone, so each example starts from an empty, migrated database."""
    if not database.is_sqlite:
        empty_tables(database)
        return
    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


# Faults: each call to Slack or to the mail server takes the next planned outcome.


@dataclass
class Faults:
    """Planned failures, consumed one per outbound call; an empty plan means success."""

    plan: list[bool] = field(default_factory=list)

    def next_fails(self) -> bool:
        return self.plan.pop(0) if self.plan else False


class InjectedFault(ConnectionError):
    """A timeout or reset as the network would give it: the outbox retries it."""


class FlakySlack:
    """The three Slack Web API calls the outbox makes; records every file uploaded."""

    def __init__(self, faults: Faults, documents: Callable[[bytes, str], None]) -> None:
        self.faults = faults
        self.documents = documents
        self.ts = 0
        self.posts: list[tuple[str | None, str]] = []  # (thread ts, text) of each post

    def _answer(self, channel: str) -> dict[str, Any]:
        if self.faults.next_fails():
            raise InjectedFault("Slack did not answer")
        self.ts += 1
        return {"channel": channel, "ts": f"1700000000.{self.ts:06d}"}

    def chat_postMessage(
        self, channel: str, text: str, thread_ts: str | None = None, **_: Any
    ) -> dict[str, Any]:
        answer = self._answer(channel)
        self.posts.append((thread_ts, text))
        return answer

    def chat_update(self, channel: str, **_: Any) -> dict[str, Any]:
        return self._answer(channel)

    def files_upload_v2(self, channel: str, content: bytes, **_: Any) -> dict[str, Any]:
        answer = self._answer(channel)
        self.documents(content, "slack file")
        return {"files": [{"id": f"F{answer['ts']}"}]}


class FlakyMail:
    """Stands in for the SMTP conversation of `EmailDelivery`; records each email's workbook."""

    def __init__(self, faults: Faults, documents: Callable[[bytes, str], None]) -> None:
        self.faults = faults
        self.documents = documents

    def __call__(self, message: EmailMessage) -> None:
        if self.faults.next_fails():
            raise InjectedFault("the mail server closed the connection")
        for part in message.iter_attachments():
            self.documents(part.get_payload(decode=True), "email")


def po_document(content: bytes) -> tuple[str, dict[str, int]]:
    """(PO number, units per SKU) as written in a PO workbook."""
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    number, lines, in_lines = "", {}, False
    for row in sheet.iter_rows(values_only=True):
        first = row[0] if row else None
        if first == "PO number":
            number = str(row[1])
        elif first == "SKU":
            in_lines = True
        elif first == "Total":
            in_lines = False
        elif in_lines and first:
            lines[str(first)] = lines.get(str(first), 0) + int(row[2])
    return number, lines


@dataclass
class SupplierMailbag:
    """What left the building per PO number: each document's kind and its lines."""

    sent: dict[str, list[tuple[str, dict[str, int]]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def record(self, content: bytes, how: str) -> None:
        number, lines = po_document(content)
        self.sent[number].append((how, lines))

    def count(self, number: str, how: str) -> int:
        return sum(1 for kind, _ in self.sent.get(number, []) if kind == how)


class FlakyRecords(EmailRecords):
    """Recording "emailed" fails when `write_faults` says so, after the email went."""

    def __init__(self, desk: Backorders, write_faults: Faults) -> None:
        super().__init__(desk.database, desk.purchasing, desk.clock)
        self.write_faults = write_faults

    def emailed(self, message: QueuedMessage, result: dict[str, Any]) -> None:
        if self.write_faults.next_fails():
            raise InjectedFault("the database went away after the email was sent")
        super().emailed(message, result)


def flaky_outbox(
    desk: Backorders, faults: Faults, write_faults: Faults, mailbag: SupplierMailbag
) -> OutboxWorker:
    """The bot's outbox worker, routing as the bot does, to a flaky Slack and mail server;
    recording "emailed" fails when `write_faults` says so (after the email went)."""
    store = OutboxStore(desk.database)
    client = FlakySlack(faults, mailbag.record)
    slack = SlackDelivery(client, store)  # type: ignore[arg-type]
    email = EmailDelivery(SmtpSettings.from_url("smtp://127.0.0.1:2525"))
    email._send = FlakyMail(faults, mailbag.record)  # type: ignore[method-assign]
    notices = Notices(desk.database, desk.clock, desk.config)
    deliveries = Deliveries(notices, slack, email, FlakyRecords(desk, write_faults))
    return OutboxWorker(store, deliveries, desk.clock, pace_s=0, backoff_base_s=0)


# Drawing what people type.


UNSENT = ("proposed", "held", "approved")  # nothing can have arrived yet


def received_by_sku(view: PurchaseOrderView) -> dict[str, int]:
    """Units received so far per SKU."""
    return {line.sku: line.received for line in view.lines}


def line_ids(view: PurchaseOrderView) -> set[int]:
    """The ids of the lines a person sees on the PO."""
    return {line.line_id for line in view.lines if line.line_id is not None}


def draw_adjustment(data: st.DataObject, view: PurchaseOrderView) -> dict[int, int]:
    """New quantities for some lines, sometimes all 0, sometimes for a line not on the PO."""
    if data.draw(st.booleans(), label="drop every line"):
        return {line_id: 0 for line_id in line_ids(view)}
    entered = {
        line.line_id: data.draw(st.integers(min_value=0, max_value=8), label=line.sku)
        for line in view.lines
        if line.line_id is not None and data.draw(st.booleans(), label=f"change {line.sku}?")
    }
    if data.draw(st.booleans(), label="a line not on the PO"):
        entered[max(line_ids(view), default=0) + 1000] = 3
    elif not entered and view.lines and view.lines[0].line_id is not None:
        entered[view.lines[0].line_id] = data.draw(st.integers(min_value=0, max_value=8))
    return entered


# SQL reads for the invariants.


def scalars(database: Database, sql: str, **params: Any) -> dict[Any, int]:
    with database.reader.connect() as conn:
        return {row[0]: int(row[1]) for row in conn.execute(text(sql), params)}


def demand_by_sku(database: Database) -> dict[str, tuple[int, int, int]]:
    """(ordered, allocated, waiting) per SKU over lines of orders not cancelled."""
    sql = """
    SELECT p.sku, COALESCE(SUM(l.quantity), 0), COALESCE(SUM(l.allocated_qty), 0),
           COALESCE(SUM(l.waiting_qty), 0)
    FROM products p
    LEFT JOIN (SELECT l.* FROM order_lines l JOIN orders o ON o.id = l.order_id
               WHERE o.cancelled_at IS NULL) l ON l.product_id = p.id
    GROUP BY p.sku"""
    with database.reader.connect() as conn:
        return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in conn.execute(text(sql))}


def all_allocated(database: Database) -> dict[str, int]:
    """Free stock plus every unit given to an order line (cancelled orders hold none)."""
    sql = """
    SELECT p.sku, p.on_hand + COALESCE(SUM(l.allocated_qty), 0)
    FROM products p LEFT JOIN order_lines l ON l.product_id = p.id
    GROUP BY p.sku, p.on_hand"""
    return scalars(database, sql)


_BUILDER = re.compile(r"^po:(\d+)")
DOCUMENTS = {
    "po.to_supplier": "email",
    "po.workbook": "slack.file",
    "email": "email",
    "slack.file": "slack.file",
}


def outbox_po_documents(database: Database) -> Counter[tuple[int, str]]:
    """(PO id, "email" or "slack.file") of every queued email and file: what the outbox will
    send per PO (rows of older versions named them so; notices are `po.to_supplier` and
    `po.workbook`)."""
    found: Counter[tuple[int, str]] = Counter()
    with database.reader.connect() as conn:
        rows = conn.execute(text("SELECT kind, payload FROM outbox"))
        for kind, payload in rows:
            po_id = _po_of(json.loads(payload))
            shown = DOCUMENTS.get(kind)
            if po_id is not None and shown is not None:
                found[(po_id, shown)] += 1
    return found


def _po_of(payload: dict[str, Any]) -> int | None:
    if "po_id" in payload:
        return int(payload["po_id"])
    for key in ("builder", "attachment"):
        match = _BUILDER.match(str(payload.get(key, "")))
        if match:
            return int(match.group(1))
    return None


def ids_by_number(database: Database) -> Iterator[tuple[int, str]]:
    with database.reader.connect() as conn:
        yield from conn.execute(text("SELECT id, number FROM purchase_orders"))


def uncertain_emails(database: Database) -> int:
    """Emails that may have gone without being recorded: left to a person, never sent again."""
    with database.reader.connect() as conn:
        sql = "SELECT COUNT(*) FROM outbox WHERE status = 'uncertain'"
        return int(conn.execute(text(sql)).scalar_one())
