"""The PO workbook read back: text stays text, numbers add up, no cell is a formula."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from domain.purchasing import PoLine, PoStatus, PurchaseOrderView
from storage.po_workbook import po_workbook, sheet_title

LONDON = ZoneInfo("Europe/London")
ISSUED = datetime(2026, 3, 27, 10, tzinfo=UTC)
HEADER = ["SKU", "Product", "Quantity", "Case pack", "Unit cost", "Line total"]
FORMULA_NAME = '=HYPERLINK("http://x","y")'
LINES = (
    PoLine("00123", FORMULA_NAME, demand=5, quantity=6, case_pack=6, unit_cost=Decimal("2.5")),
    PoLine(
        "=1+1", "Chain, 9-speed", demand=7, quantity=10, case_pack=5, unit_cost=Decimal("1.2345")
    ),
    PoLine("#N/A", "  Inner tube 700c ", demand=1, quantity=1, case_pack=1, unit_cost=Decimal(0)),
    PoLine("LIGHT-1", "Rear light", demand=1200, quantity=1200, case_pack=1, unit_cost=Decimal(4)),
)


def purchase_order(
    lines: tuple[PoLine, ...] = LINES, number: str | None = "PO-0042", **changes: object
) -> PurchaseOrderView:
    fields: dict[str, object] = {
        "po_id": 42,
        "version": 3,
        "status": PoStatus.APPROVED,
        "supplier": "Velo Parts Ltd",
        "supplier_email": "orders@velo.example",
        "lead_time_days": 10,
        "number": number,
        "lines": lines,
        "orders_served": 9,
        "oldest_placed_at": None,
        "trigger": "deadline",
        "proposed_at": ISSUED,
    }
    return PurchaseOrderView(**(fields | changes))  # type: ignore[arg-type]


def sheet_of(content: bytes, data_only: bool = False) -> Worksheet:
    book = load_workbook(io.BytesIO(content), data_only=data_only)
    assert len(book.worksheets) == 1
    return book.worksheets[0]


def rows_of(sheet: Worksheet) -> list[list[object]]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def heading(sheet: Worksheet) -> dict[str, object]:
    return {row[0]: row[1] for row in rows_of(sheet)[1:6]}


def line_rows(sheet: Worksheet) -> list[list[object]]:
    rows = rows_of(sheet)
    start = rows.index(HEADER) + 1
    return rows[start:-1]


@pytest.fixture(scope="module")
def content() -> bytes:
    return po_workbook(purchase_order(), ISSUED, LONDON)


@pytest.mark.parametrize("data_only", [False, True])
def test_names_and_skus_read_back_as_the_exact_text_given(content: bytes, data_only: bool) -> None:
    sheet = sheet_of(content, data_only)
    rows = line_rows(sheet)
    assert [row[:2] for row in rows] == [[line.sku, line.name] for line in LINES]
    first = rows_of(sheet).index(HEADER) + 2
    for row in sheet.iter_rows(min_row=first, max_row=first + len(LINES) - 1, max_col=2):
        assert [cell.data_type for cell in row] == ["s", "s"]


@pytest.mark.parametrize("data_only", [False, True])
def test_no_cell_anywhere_is_a_formula(content: bytes, data_only: bool) -> None:
    sheet = sheet_of(content, data_only)
    types = {cell.data_type for row in sheet.iter_rows() for cell in row if cell.value is not None}
    assert types <= {"s", "n", "d"}
    assert "<f>" not in _sheet_xml(content)


def _sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def test_quantities_costs_and_line_totals_are_numbers(content: bytes) -> None:
    rows = line_rows(sheet_of(content, data_only=True))
    assert [row[2:] for row in rows] == [
        [6, 6, 2.5, 15],
        [10, 5, 1.2345, 12.345],
        [1, 1, 0, 0],
        [1200, 1, 4, 4800],
    ]


def test_the_total_row_counts_units_and_cost(content: bytes) -> None:
    sheet = sheet_of(content, data_only=True)
    total = rows_of(sheet)[-1]
    assert total == ["Total", None, 1217, None, None, pytest.approx(4827.345)]
    assert all(cell.font.b for cell in sheet[sheet.max_row] if cell.value is not None)


def test_numbers_carry_their_formats(content: bytes) -> None:
    sheet = sheet_of(content)
    first = rows_of(sheet).index(HEADER) + 2
    formats = [cell.number_format for cell in sheet[first]][2:]
    assert formats == ["#,##0", "0", "#,##0.00##", "#,##0.00"]


def test_the_heading_names_supplier_number_and_dates(content: bytes) -> None:
    sheet = sheet_of(content)
    assert sheet.title == "PO-0042"
    assert sheet["A1"].value == "Purchase order PO-0042" and sheet["A1"].font.b
    assert heading(sheet) == {
        "Supplier": "Velo Parts Ltd",
        "Supplier email": "orders@velo.example",
        "PO number": "PO-0042",
        "Date issued": datetime(2026, 3, 27),
        "Expected by": datetime(2026, 4, 6),  # issued + 10 days' lead time
    }
    assert sheet["B5"].is_date and sheet["B6"].is_date
    assert rows_of(sheet)[6] == [None] * 6
    assert sheet.freeze_panes == "A9"


def test_dates_are_the_days_in_the_shops_timezone() -> None:
    issued = datetime(2026, 3, 27, 23, 30, tzinfo=UTC)  # Saturday 12:30 in Auckland
    expected = datetime(2026, 4, 20, 11, tzinfo=UTC)
    po = purchase_order(expected_at=expected)
    content = po_workbook(po, issued, ZoneInfo("Pacific/Auckland"))
    dates = heading(sheet_of(content))
    assert dates["Date issued"] == datetime(2026, 3, 28)
    assert dates["Expected by"] == datetime(2026, 4, 20)


def test_a_proposal_without_number_or_email_says_so() -> None:
    content = po_workbook(purchase_order(number=None, supplier_email=None), ISSUED, LONDON)
    sheet = sheet_of(content)
    assert sheet.title == "Proposal"
    assert sheet["A1"].value == "Purchase order proposal"
    assert heading(sheet)["Supplier email"] == "—"
    assert heading(sheet)["PO number"] == "—"


@pytest.mark.parametrize(
    ("number", "title"),
    [
        ("PO-0042", "PO-0042"),
        ("PO/2026:42?", "PO-2026-42-"),
        ("'PO-9'", "PO-9"),
        ("PO-" + "9" * 40, "PO-" + "9" * 28),
        ("history", "Purchase order"),
        (None, "Proposal"),
    ],
)
def test_sheet_titles_follow_excels_rules(number: str | None, title: str) -> None:
    assert sheet_title(number) == title


def test_a_name_with_control_characters_is_written_not_refused() -> None:
    line = PoLine("BELL\x07", "Bell\x0bring", 1, 1, 1, Decimal(1))
    rows = line_rows(sheet_of(po_workbook(purchase_order((line,)), ISSUED, LONDON)))
    assert rows[0][:2] == ["BELL\ufffd", "Bell\ufffdring"]


def test_a_ten_thousand_line_po_reads_back_whole() -> None:
    lines = tuple(
        PoLine(f"{i:05d}", f"Product {i}", i, i + (i % 6), 6, Decimal("0.0125") * (i % 400))
        for i in range(10_000)
    )
    po = purchase_order(lines)
    sheet = sheet_of(po_workbook(po, ISSUED, LONDON), data_only=True)
    rows = line_rows(sheet)
    assert len(rows) == 10_000
    assert rows[0][0] == "00000" and rows[-1][:3] == ["09999", "Product 9999", 10_002]
    assert rows_of(sheet)[-1][2] == po.units
    assert rows_of(sheet)[-1][5] == pytest.approx(float(po.total))
