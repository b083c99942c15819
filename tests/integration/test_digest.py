"""The weekly digest against a shop whose history is known by construction, on both databases.

Every number below is computed by hand from the timeline in `seed`, as comments show.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.facade import Backorders
from domain.model import Catalog, Product, Supplier
from domain.purchase_orders import Actor
from domain.views import AgeBucket, CancelledSku, Digest, OpenLine, SupplierWeek
from handlers.blocks.digest import digest_message
from handlers.blocks.message import MAX_BLOCKS
from storage.db import Database
from storage.digest import SqlDigest
from storage.digest_workbook import digest_workbook
from storage.unit_of_work import SqlUnitOfWork
from tests.support.builders import delivery, order

LONDON = ZoneInfo("Europe/London")  # UTC in November: local times below equal UTC
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # Monday 09:00
WEEK_START = datetime(2026, 11, 9, tzinfo=UTC)  # Monday 9 Nov 00:00, included
WEEK_END = datetime(2026, 11, 16, tzinfo=UTC)  # Monday 16 Nov 00:00, excluded
APPROVER = Actor("U1", True)
FORMULA = "=1+1"
DASH = "\u2013"  # an en dash, as the labels write ranges
AGES = (f"0{DASH}3 days", f"4{DASH}7 days", f"8{DASH}14 days", "15+ days")
WEEK = f"9{DASH}15 Nov 2026"


def october(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


def november(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


CATALOG = Catalog(
    suppliers=(
        Supplier("Velo Parts Ltd", "orders@velo.test", 10, 0),
        Supplier("Acme Tyres", "orders@acme.test", 14, 0),
        Supplier("Chain Gang", None, 3, 0),
        Supplier("Dyno Lights", "dyno@lights.test", 30, 0),
        Supplier("Idle Supply", None, 5, 0),
        Supplier("Aardvark Bikes", None, 7, 0),
    ),
    products=(
        Product("VP-1", "Inner tube", "Velo Parts Ltd", 0, 6, Decimal("2.50")),
        Product("VP-2", "Saddle", "Velo Parts Ltd", 1, 1, Decimal("10.00")),
        Product("AT-1", "Tyre 700x25", "Acme Tyres", 0, 1, Decimal("4.25")),
        Product("CG-1", "Chain", "Chain Gang", 0, 1, Decimal("1.10")),
        Product("DL-1", "Rear light", "Dyno Lights", 0, 1, Decimal("7.00")),
        Product("ID-1", "Bell", "Idle Supply", 100, 1, Decimal("5.00")),
        Product("AB-1", "Valve cap", "Aardvark Bikes", 0, 1, Decimal("0.3333")),
    ),
)


class Shop:
    """The real services on a clock the test moves forward."""

    def __init__(self, database: Database) -> None:
        self.time = october(26, 9)
        self.desk = Backorders(database, clock=lambda: self.time)
        self.desk.import_catalog(CATALOG)

    def ingest(self, number: str, placed: datetime, received: datetime, *lines: object) -> None:
        self.time = received
        incoming = order(number, *lines, placed=placed)  # type: ignore[arg-type]
        self.desk.ingest(delivery(replace(incoming, customer=FORMULA)))

    def cancel(self, number: str, when: datetime) -> None:
        self.time = when
        self.desk.cancel_order(number)

    def po(self, supplier: str, raised: datetime, approved: datetime | None = None) -> None:
        self.time = raised
        view = self.desk.raise_po(supplier, "U1")
        if approved is not None:  # no SMTP: approval sends at once, expected after lead time
            self.time = approved
            self.desk.approve_po(view.po_id, view.version, APPROVER)


def seed(database: Database) -> Shop:
    """The shop's last three weeks, in the order things happened (stock: VP-2 1, ID-1 100)."""
    shop = Shop(database)
    shop.ingest("1001", october(27, 9), october(27, 9, 1), ("VP-1", 4))  # waits 4, 20 days old
    shop.ingest("1008", october(30, 9), october(30, 9, 1), ("VP-1", 2))
    shop.ingest("1010", november(2, 10), november(2, 10, 1), ("DL-1", 2))
    shop.po(
        "Dyno Lights", november(3, 10), november(3, 10, 5)
    )  # sent 3 Nov, expected 3 Dec: not late
    shop.ingest("1009", november(4, 8), november(4, 8, 1), ("CG-1", 4))
    shop.cancel("1010", november(4, 10))  # before the week: Dyno has a PO and nothing waiting
    shop.cancel("1009", november(5, 10))  # before the week: not among the cancellations
    shop.ingest("1002", november(6, 9), november(6, 9, 1), ("AT-1", 2), ("CG-1", 3))
    shop.po(
        "Acme Tyres", november(7, 10), november(7, 10, 5)
    )  # sent 7 Nov, expected 21 Nov: not late
    shop.ingest(
        "1011", november(8, 23), WEEK_START, ("ID-1", 1)
    )  # received at the week's first instant
    shop.po(
        "Chain Gang", november(9, 12), november(9, 12, 5)
    )  # sent 9 Nov (in the week), expected 12 Nov
    shop.ingest(
        "1007", november(10, 10), november(10, 10, 1), ("VP-1", 3), ("AT-1", 6), ("ID-1", 1)
    )
    shop.ingest("1003", NOW - timedelta(days=4), november(12, 9, 2), ("VP-2", 3))  # 1 from stock
    shop.ingest(
        "1004", NOW - timedelta(days=4) + timedelta(minutes=1), november(12, 9, 3), ("VP-1", 5)
    )
    shop.cancel("1008", november(13, 11))
    shop.cancel("1007", november(14, 12))
    shop.ingest("1005", november(15, 9), november(15, 9, 1), ("AT-1", 1), ("ID-1", 2), ("AB-1", 3))
    shop.po("Velo Parts Ltd", november(15, 10))  # proposed, not approved
    shop.ingest("1006", november(15, 23, 50), WEEK_END, ("CG-1", 2))  # received as the week ends
    return shop


def build_digest(database: Database) -> Digest:
    with SqlUnitOfWork(database, read_only=True) as uow:
        return SqlDigest(uow.tx).build(WEEK_START, WEEK_END, NOW)


@pytest.fixture
def digest(database: Database) -> Digest:
    seed(database)
    return build_digest(database)


def test_the_digest_adds_up_to_the_numbers_worked_out_by_hand(digest: Digest) -> None:
    # Waiting now (cancelled 1007, 1008, 1009, 1010 wait for nothing; ID-1 came from stock):
    #   1001 VP-1 4 (20 days) | 1002 AT-1 2, CG-1 3 (10 days) | 1003 VP-2 2 of 3 (4 days exactly)
    #   1004 VP-1 5 (3 days 23:59) | 1005 AT-1 1, AB-1 3 (1 day) | 1006 CG-1 2 (9 h 10 min)
    # 8 lines, 4+2+3+2+5+1+3+2 = 22 units
    # Value: VP-1 2.50 x 9 = 22.50, VP-2 10.00 x 2 = 20.00, AT-1 4.25 x 3 = 12.75,
    #   CG-1 1.10 x 5 = 5.50, AB-1 0.3333 x 3 = 0.9999: 61.7499, to the cent 61.75
    assert (digest.open_lines, digest.open_units, digest.open_value) == (8, 22, Decimal("61.75"))
    assert digest.buckets == (
        AgeBucket(AGES[0], 4, 11),  # 1004 5, 1005 1 + 3, 1006 2
        AgeBucket(AGES[1], 1, 2),  # 1003, placed exactly 4 x 24 h ago
        AgeBucket(AGES[2], 2, 5),  # 1002 2 + 3
        AgeBucket(AGES[3], 1, 4),  # 1001
    )
    assert (digest.oldest_order, digest.oldest_placed_at) == ("1001", october(27, 9))
    assert digest.suppliers == (
        # VP-1 4 + 5, VP-2 2 = 11; proposal VP-1 9 rounded to cases of 6 = 12, VP-2 2: 14
        SupplierWeek("Velo Parts Ltd", 11, 14, 0, 0),
        # CG-1 3 + 2; PO sent 9 Nov 12:05 + 3 days = 12 Nov, before now: late
        SupplierWeek("Chain Gang", 5, None, 1, 1),
        # AB-1 3 and AT-1 2 + 1 tie at 3: by name; Acme's PO is expected 21 Nov
        SupplierWeek("Aardvark Bikes", 3, None, 0, 0),
        SupplierWeek("Acme Tyres", 3, None, 1, 0),
        # nothing waiting since 1010 was cancelled, but its PO is on its way
        SupplierWeek("Dyno Lights", 0, None, 1, 0),
        # Idle Supply: nothing waiting, no PO: not listed
    )
    # Received in [9 Nov, 16 Nov): 1011 (at 9 Nov 00:00), 1007, 1003, 1004, 1005; not 1006
    assert digest.orders_in == 5
    # Ever waited: 1011 0 + 1007 (3 + 6, kept after cancelling) + 1003 2 + 1004 5 + 1005 (1 + 3)
    assert digest.units_backordered == 20
    assert digest.pos_sent == 1  # Chain Gang's; Dyno's and Acme's went before the week
    assert digest.units_received == 0  # receiving is not built yet
    # Cancelled in the week: 1008 (VP-1 2) and 1007 (VP-1 3, AT-1 6; ID-1 never waited)
    assert digest.cancelled == (CancelledSku("AT-1", 1, 6), CancelledSku("VP-1", 2, 5))
    assert (digest.week_start, digest.week_end) == (WEEK_START, WEEK_END)


def test_an_empty_shop_has_an_empty_digest(database: Database) -> None:
    digest = build_digest(database)
    assert digest.buckets == tuple(AgeBucket(label, 0, 0) for label in AGES)
    assert (digest.open_lines, digest.open_units, digest.open_value) == (0, 0, Decimal("0.00"))
    assert (digest.oldest_order, digest.suppliers, digest.cancelled) == (None, (), ())
    assert (digest.orders_in, digest.units_backordered, digest.pos_sent) == (0, 0, 0)
    message = digest_message(digest, NOW, LONDON)
    assert "none" in message.blocks[1]["text"]["text"] and len(message.blocks) < 10


def all_text(blocks: list[dict[str, object]]) -> str:
    return repr(blocks)


def test_the_message_says_the_numbers(digest: Digest) -> None:
    message = digest_message(digest, NOW, LONDON)
    blocks, text = message.blocks, all_text(message.blocks)
    assert blocks[0]["text"]["text"] == f"Weekly backorder digest · {WEEK}"  # type: ignore[index]
    assert "22 units on 8 lines · 61.75 at cost" in text
    assert f"*{AGES[0]}*\\n4 lines · 11 units" in text and f"*{AGES[1]}*\\n1 line · 2" in text
    assert "*#1001*, placed 27 Oct 2026 (20 days ago)" in text
    assert "*Velo Parts Ltd* — 11 units waiting · proposal of 14 units" in text
    assert "*Chain Gang* — 5 units waiting · 1 PO in flight (1 late ⚠️)" in text
    assert "*Dyno Lights* — nothing waiting · 1 PO in flight'" in text
    assert "*Orders in*\\n5" in text and "*Units backordered*\\n20 units" in text
    assert "*POs sent*\\n1" in text and "*Units received*\\n0 units" in text
    assert "`AT-1` — 1 line · 6 units\\n`VP-1` — 2 lines · 5 units" in text
    assert "workbook in this message's thread" in text
    assert message.text.startswith(f"Weekly backorder digest, {WEEK}: 22 units waiting")


def test_three_hundred_suppliers_stay_within_fifty_blocks(digest: Digest) -> None:
    many = tuple(SupplierWeek(f"Supplier {i:03d}", 300 - i, None, i % 3, i % 2) for i in range(300))
    message = digest_message(replace(digest, suppliers=many), NOW, LONDON)
    text = all_text(message.blocks)
    assert len(message.blocks) == MAX_BLOCKS
    shown = sum("*Supplier " in str(block) for block in message.blocks)
    assert f"…and {300 - shown} more suppliers" in text
    assert "*Supplier 000* — 300 units waiting" in text  # the most waiting first
    assert "*Orders in*\\n5" in text and "workbook in this message's thread" in text


def test_a_control_character_in_a_name_does_not_stop_the_workbook(digest: Digest) -> None:
    line = OpenLine("1", NOW, None, "BELL-1", "Bell\x07", "Idle Supply", 1, 0, 1)
    book = load_workbook(io.BytesIO(digest_workbook(digest, [line], NOW, LONDON)))
    assert book["Open lines"]["E2"].value == "Bell\ufffd"


def test_the_workbook_reads_back_with_every_sheet_and_line(database: Database) -> None:
    seed(database)
    with SqlUnitOfWork(database, read_only=True) as uow:
        digest = SqlDigest(uow.tx).build(WEEK_START, WEEK_END, NOW)
        content = digest_workbook(digest, uow.queries.open_lines(), NOW, LONDON)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Summary", "Suppliers", "Cancelled", "Open lines"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row}
    assert summary["Open units"] == 22 and summary["Value at cost"] == 61.75
    assert summary["Week to"] == datetime(2026, 11, 15) and summary["Orders in"] == 5
    assert summary[AGES[0]] == 4 and summary["Cancelled backordered units"] == 11
    assert book["Suppliers"].max_row == 1 + 5 and book["Cancelled"].max_row == 1 + 2
    lines = list(book["Open lines"].iter_rows(min_row=2, values_only=True))
    assert len(lines) == 8
    first = ("#1001", datetime(2026, 10, 27, 9), FORMULA, "VP-1", "Item VP-1", "Velo Parts Ltd")
    assert lines[0] == (*first, 4, 0, 4, 20)  # ordered 4, none from stock, 4 waiting, 20 days
    oldest_first = ["#1001", "#1002", "#1002", "#1003", "#1004", "#1005", "#1005", "#1006"]
    assert [row[0] for row in lines] == oldest_first
    assert book["Open lines"]["C2"].data_type == "s"  # the customer "=1+1" is text, not a formula
