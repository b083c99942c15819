"""Workbooks the bot writes, with openpyxl in write-only mode (bounded memory).

Text from the catalog or from orders is always written as text: a product called
`=HYPERLINK(...)` must never become a formula in a spreadsheet someone opens.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from domain.order_refs import shown
from domain.views import OpenLine

BOLD = Font(bold=True)


def text_cell(sheet: WriteOnlyWorksheet, value: str | None, bold: bool = False) -> WriteOnlyCell:
    """A cell that holds `value` as text, whatever characters it starts with.

    Control characters Excel cannot store are shown as U+FFFD rather than refused, so one odd
    product name never stops a workbook from being sent.
    """
    if value is not None and ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = WriteOnlyCell(sheet, value=value)
    if value is not None:
        cell.data_type = "s"  # openpyxl would otherwise read "=..." as a formula
    if bold:
        cell.font = BOLD
    return cell


def value_cell(sheet: WriteOnlyWorksheet, value: Any, number_format: str | None = None) -> Any:
    cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    return cell


def _header(sheet: WriteOnlyWorksheet, titles: Sequence[str], widths: Sequence[int]) -> None:
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([text_cell(sheet, title, bold=True) for title in titles])


OPEN_LINE_COLUMNS = (
    ("Order", 12),
    ("Placed (UTC)", 18),
    ("Customer", 28),
    ("SKU", 18),
    ("Product", 36),
    ("Supplier", 24),
    ("Ordered", 9),
    ("From stock", 11),
    ("Waiting", 9),
    ("Days waiting", 13),
)


def open_backorders_workbook(lines: Iterable[OpenLine], now: datetime) -> bytes:
    """Every waiting line, oldest first, one row each."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Open backorders")
    _header(sheet, *zip(*OPEN_LINE_COLUMNS, strict=True))
    for line in lines:
        sheet.append(_open_line_row(sheet, line, now))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _open_line_row(sheet: WriteOnlyWorksheet, line: OpenLine, now: datetime) -> list[Any]:
    return [
        text_cell(sheet, shown(line.order_number)),
        value_cell(sheet, line.placed_at.replace(tzinfo=None), "yyyy-mm-dd hh:mm"),
        text_cell(sheet, line.customer),
        text_cell(sheet, line.sku),
        text_cell(sheet, line.name),
        text_cell(sheet, line.supplier),
        value_cell(sheet, line.quantity, "0"),
        value_cell(sheet, line.allocated, "0"),
        value_cell(sheet, line.waiting, "0"),
        value_cell(sheet, (now - line.placed_at).days, "0"),
    ]
