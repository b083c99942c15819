"""The weekly digest's workbook, posted in the digest's thread: its numbers and every open line.

Written with openpyxl in write-only mode, so 100,000 open lines stream in bounded memory. Text
from orders and the catalog is always a text cell (`storage.workbooks.text_cell`); dates and
times are in the team's zone, as the message says them.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from domain.order_refs import shown
from domain.views import Digest, OpenLine
from storage.workbooks import text_cell

SUMMARY_COLUMNS = (("", 32), ("", 20), ("", 10))
SUPPLIER_COLUMNS = (
    ("Supplier", 32),
    ("Waiting units", 14),
    ("Open proposal units", 20),
    ("POs in flight", 14),
    ("Late POs", 10),
)
CANCELLED_COLUMNS = (("SKU", 20), ("Lines", 8), ("Units", 8))
OPEN_LINE_COLUMNS = (
    ("Order", 12),
    ("Placed", 18),
    ("Customer", 28),
    ("SKU", 18),
    ("Product", 36),
    ("Supplier", 24),
    ("Ordered", 9),
    ("From stock", 11),
    ("Waiting", 9),
    ("Days waiting", 13),
)
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
MONEY_FORMAT = "#,##0.00"
NO_VALUE = "—"


def digest_workbook(
    d: Digest, open_lines: Iterable[OpenLine], now: datetime, tz: ZoneInfo
) -> bytes:
    """Sheets "Summary", "Suppliers", "Cancelled" and "Open lines" (oldest first), as .xlsx."""
    book = Workbook(write_only=True)
    summary = book.create_sheet("Summary")
    _columns(summary, SUMMARY_COLUMNS)
    for row in _summary_rows(summary, d, now, tz):
        summary.append(row)
    suppliers = _table(book, "Suppliers", SUPPLIER_COLUMNS)
    for s in d.suppliers:
        numbers = [s.waiting_units, s.open_proposal_units, s.pos_in_flight, s.late_pos]
        suppliers.append([text_cell(suppliers, s.supplier), *numbers])
    cancelled = _table(book, "Cancelled", CANCELLED_COLUMNS)
    for c in d.cancelled:
        cancelled.append([text_cell(cancelled, c.sku), c.lines, c.units])
    columns = (("Order", 12), (f"Placed ({tz.key})", 20), *OPEN_LINE_COLUMNS[2:])
    _append_open_lines(_table(book, "Open lines", columns), open_lines, now, tz)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _summary_rows(
    sheet: WriteOnlyWorksheet, d: Digest, now: datetime, tz: ZoneInfo
) -> list[list[Any]]:
    """Label/value rows: the week, the backlog now, its ages, and what the week brought."""
    local = _local(tz)
    cell = _Styled(sheet)
    last_day = max(d.week_end - timedelta(microseconds=1), d.week_start)
    oldest = d.oldest_placed_at
    labelled: list[tuple[str, Any]] = [
        ("Week from", cell(local(d.week_start).date(), DATE_FORMAT)),
        ("Week to", cell(local(last_day).date(), DATE_FORMAT)),
        (f"Made at ({tz.key})", cell(local(now), TIME_FORMAT)),
        ("", None),
        ("Open lines", d.open_lines),
        ("Open units", d.open_units),
        ("Value at cost", cell(d.open_value, MONEY_FORMAT)),
        ("Oldest waiting order", text_cell(sheet, shown(d.oldest_order or NO_VALUE))),
        (
            "Oldest placed",
            cell(local(oldest), TIME_FORMAT) if oldest else text_cell(sheet, NO_VALUE),
        ),
        ("", None),
        ("Orders in", d.orders_in),
        ("Units backordered", d.units_backordered),
        ("POs sent", d.pos_sent),
        ("Units received", d.units_received),
        ("Orders webhooks missed", _missed(sheet, d.orders_reconciled)),
        ("Cancelled backordered lines", sum(c.lines for c in d.cancelled)),
        ("Cancelled backordered units", sum(c.units for c in d.cancelled)),
        ("", None),
    ]
    rows: list[list[Any]] = [[text_cell(sheet, "Weekly backorder digest", bold=True)]]
    rows += [[text_cell(sheet, label), value] if label else [] for label, value in labelled]
    rows.append(
        [text_cell(sheet, title, bold=True) for title in ("Days waiting", "Lines", "Units")]
    )
    rows += [[text_cell(sheet, b.label), b.lines, b.units] for b in d.buckets]
    return rows


def _append_open_lines(
    sheet: WriteOnlyWorksheet, lines: Iterable[OpenLine], now: datetime, tz: ZoneInfo
) -> None:
    """One row per waiting line; the placed time takes a style prepared once (see `_Styled`)."""
    local, placed = _local(tz), _Styled(sheet).maker(TIME_FORMAT)
    for line in lines:
        sheet.append(
            [
                text_cell(sheet, shown(line.order_number)),
                placed(local(line.placed_at)),
                text_cell(sheet, line.customer),
                text_cell(sheet, line.sku),
                text_cell(sheet, line.name),
                text_cell(sheet, line.supplier),
                line.quantity,
                line.allocated,
                line.waiting,
                (now - line.placed_at).days,  # whole days, as the digest's age buckets count
            ]
        )


class _Styled:
    """Number-formatted cells; a format is looked up once, then each cell copies its style."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet

    def maker(self, number_format: str) -> Callable[[Any], Cell]:
        model = WriteOnlyCell(self.sheet)
        model.number_format = number_format
        style = model._style
        return lambda value: Cell(self.sheet, row=1, column=1, value=value, style_array=style)

    def __call__(self, value: date | Decimal, number_format: str) -> Cell:
        return self.maker(number_format)(value)


def _missed(sheet: WriteOnlyWorksheet, found: int | None) -> Any:
    """Orders reconciliation found that webhooks missed; said so when no store is reconciled."""
    return text_cell(sheet, "not reconciled") if found is None else found


def _local(tz: ZoneInfo) -> Callable[[datetime], datetime]:
    """A UTC moment as the wall-clock time in `tz`, naive (Excel has no time zones)."""
    return lambda moment: moment.astimezone(tz).replace(tzinfo=None)


def _table(book: Workbook, title: str, columns: Sequence[tuple[str, int]]) -> WriteOnlyWorksheet:
    """A sheet with column widths, a bold title row, and that row frozen."""
    sheet = book.create_sheet(title)
    _columns(sheet, columns)
    sheet.freeze_panes = "A2"
    sheet.append([text_cell(sheet, name, bold=True) for name, _ in columns])
    return sheet


def _columns(sheet: WriteOnlyWorksheet, columns: Sequence[tuple[str, int]]) -> None:
    for index, (_, width) in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
