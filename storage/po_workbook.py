"""The purchase-order workbook a supplier receives: who, when, every line and the total.

Written with openpyxl in write-only mode, so a 10,000-line PO streams in bounded memory.
SKUs, names and the supplier are always text cells (see `storage.workbooks.text_cell`), line
totals are computed here, and no cell holds a formula: the file reads the same in any program,
with or without recalculation.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from domain.purchasing import PoLine, PurchaseOrderView
from storage.workbooks import text_cell

COLUMNS = (
    ("SKU", 18),
    ("Product", 44),
    ("Quantity", 10),
    ("Case pack", 10),
    ("Unit cost", 12),
    ("Line total", 14),
)
DATE_FORMAT = "yyyy-mm-dd"
UNITS_FORMAT = "#,##0"
CASE_PACK_FORMAT = "0"
UNIT_COST_FORMAT = "#,##0.00##"  # costs are kept to 4 decimal places
MONEY_FORMAT = "#,##0.00"
NO_VALUE = "—"

_BOLD = Font(bold=True)
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")
_SHEET_TITLE_MAX = 31


def po_workbook(po: PurchaseOrderView, issued_at: datetime, timezone: ZoneInfo) -> bytes:
    """The PO as an .xlsx file: a heading block, one row per line and a total row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(po.number))
    for index, (_, width) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    heading = _heading_rows(sheet, po, issued_at, timezone)
    sheet.freeze_panes = f"A{len(heading) + 1}"  # the heading and column titles stay in view
    for row in heading:
        sheet.append(row)
    _append_lines(sheet, po.lines)
    sheet.append(_total_row(sheet, po))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_title(number: str | None) -> str:
    """The PO number as Excel allows a sheet name: 31 characters, none of \\ / ? * [ ] :."""
    title = _SHEET_TITLE_FORBIDDEN.sub("-", number or "Proposal")
    title = title[:_SHEET_TITLE_MAX].strip("' ")  # Excel refuses a name starting with '
    if not title or title.casefold() == "history":  # "History" is reserved by Excel
        return "Purchase order"
    return title


def expected_by(po: PurchaseOrderView, issued_at: datetime) -> datetime:
    """When the goods should arrive: the PO's own date, or issue time plus lead time."""
    return po.expected_at or issued_at + timedelta(days=po.lead_time_days)


def _heading_rows(
    sheet: WriteOnlyWorksheet, po: PurchaseOrderView, issued_at: datetime, zone: ZoneInfo
) -> list[list[Any]]:
    title = f"Purchase order {po.number}" if po.number else "Purchase order proposal"
    labelled = (
        ("Supplier", _text(sheet, po.supplier)),
        ("Supplier email", _text(sheet, po.supplier_email or NO_VALUE)),
        ("PO number", _text(sheet, po.number or NO_VALUE)),
        ("Date issued", _date_cell(sheet, _local_date(issued_at, zone))),
        ("Expected by", _date_cell(sheet, _local_date(expected_by(po, issued_at), zone))),
    )
    return [
        [text_cell(sheet, title, bold=True)],
        *([text_cell(sheet, label, bold=True), value] for label, value in labelled),
        [],
        [text_cell(sheet, name, bold=True) for name, _ in COLUMNS],
    ]


def _append_lines(sheet: WriteOnlyWorksheet, lines: Sequence[PoLine]) -> None:
    """One row per line; each cell takes a copy of a style prepared once (see `_Styles`)."""
    styles = _Styles(sheet)
    for line in lines:
        sheet.append(
            [
                _text(sheet, line.sku),
                _text(sheet, line.name),
                styles.cell(line.quantity, styles.units),
                styles.cell(line.case_pack, styles.case_pack),
                styles.cell(line.unit_cost, styles.unit_cost),
                styles.cell(line.unit_cost * line.quantity, styles.money),
            ]
        )


def _total_row(sheet: WriteOnlyWorksheet, po: PurchaseOrderView) -> list[Any]:
    units = WriteOnlyCell(sheet, value=po.units)
    units.font, units.number_format = _BOLD, UNITS_FORMAT
    cost = WriteOnlyCell(sheet, value=po.total)
    cost.font, cost.number_format = _BOLD, MONEY_FORMAT
    return [text_cell(sheet, "Total", bold=True), None, units, None, None, cost]


class _Styles:
    """Number formats registered once, so each line's cells only copy a small style array.

    Setting `cell.number_format` looks the format up in the workbook on every cell; copying
    the resulting array gives the same file for a fraction of the time on long POs.
    """

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet
        self.units = self._style_of(UNITS_FORMAT)
        self.case_pack = self._style_of(CASE_PACK_FORMAT)
        self.unit_cost = self._style_of(UNIT_COST_FORMAT)
        self.money = self._style_of(MONEY_FORMAT)

    def _style_of(self, number_format: str) -> StyleArray:
        model = WriteOnlyCell(self.sheet)
        model.number_format = number_format
        return model._style

    def cell(self, value: int | Decimal, style: StyleArray) -> Cell:
        """A number cell with a copy of `style` (what `WriteOnlyCell` makes, plus the style)."""
        return Cell(self.sheet, row=1, column=1, value=value, style_array=style)


def _text(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A text cell (control characters become U+FFFD; see `text_cell`)."""
    return text_cell(sheet, value)


def _date_cell(sheet: WriteOnlyWorksheet, day: date) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=day)
    cell.number_format = DATE_FORMAT
    return cell


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day of `moment` in `zone`; a naive moment is taken as UTC, as stored."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()
