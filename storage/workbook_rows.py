"""The catalog columns of named sheets, read lazily from a checked package in bounded memory."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from domain.errors import CatalogError, CatalogProblem
from storage import workbook_limits as limits
from storage.workbook_cells import LongText, kept
from storage.workbook_package import NOT_XLSX, WorkbookRefused, check_package

WORKBOOK = "workbook"
Row = tuple[object, ...]
Wanted = Mapping[str, Collection[str]]  # sheet name: the headers of the columns to read


@dataclass(frozen=True)
class Table:
    """A sheet's wanted columns found on its first row, and its data rows cut to them."""

    columns: dict[str, int]  # header, in lower case: the column's index in the sheet (A is 0)
    rows: list[Row]  # from row 2: the values of `columns`, in that order; () for a blank row


def read_sheets(path: str | os.PathLike[str], wanted: Wanted) -> dict[str, Table | None]:
    """Each wanted sheet's table (None for a missing sheet), or `CatalogError` saying why not."""
    try:
        # Opened by content, not by file name, so an upload saved without ".xlsx" still reads.
        file = open(path, "rb")  # noqa: SIM115 - closed below, after reading in a second try
    except OSError as error:
        raise unreadable(f"could not be opened ({error.strerror or error})") from error
    with file:
        try:
            return _read(file, wanted)
        except CatalogError:
            raise
        except WorkbookRefused as error:
            raise unreadable(str(error)) from error
        except Exception as error:
            # openpyxl parses hostile bytes with many failure modes (KeyError, TypeError, OSError,
            # zlib.error, BadZipFile...); whichever it is, the user's answer is the same.
            raise unreadable(NOT_XLSX) from error


def unreadable(message: str) -> CatalogError:
    """The error for a file that cannot be read as a workbook at all."""
    return CatalogError([CatalogProblem(WORKBOOK, None, None, f"the file {message}")])


def _read(file: BinaryIO, wanted: Wanted) -> dict[str, Table | None]:
    check_package(file)
    file.seek(0)
    with warnings.catch_warnings():
        # openpyxl warns about parts it drops ("invalid specification"); a report of problems
        # is the user's answer, not warnings on the operator's terminal.
        warnings.simplefilter("ignore")
        # keep_links=False: external links are parts openpyxl would otherwise parse whole.
        workbook = load_workbook(file, read_only=True, data_only=True, keep_links=False)
        try:
            held = _Held()
            return {name: _table(workbook, name, wanted[name], held) for name in wanted}
        finally:
            workbook.close()


def _table(workbook: Workbook, name: str, headers: Collection[str], held: _Held) -> Table | None:
    """The sheet called `name` in any letter case cut to `headers`, or None when there is none."""
    for title in workbook.sheetnames:
        if title.strip().lower() == name.lower():
            sheet = workbook[title]
            columns = _columns(sheet, headers)
            if not columns:
                return Table(columns, [])
            # Both bounds are given: without them openpyxl sizes every row by the widest
            # cell or by the sheet's stated dimension, which a file may set to XFD1048576.
            rows = sheet.iter_rows(
                min_row=2,
                max_col=max(columns.values()) + 1,
                max_row=limits.EXCEL_MAX_ROWS,
                values_only=True,
            )
            return Table(columns, _kept(name, rows, tuple(columns.values()), held))
    return None


def _columns(sheet: ReadOnlyWorksheet, headers: Collection[str]) -> dict[str, int]:
    """Where each of `headers` is on the first row, in any case; the leftmost one counts."""
    first = sheet.iter_rows(max_row=1, max_col=limits.MAX_COLUMNS, values_only=True)
    found: dict[str, int] = {}
    for index, title in enumerate(next(first, ())):
        key = str(title).strip().lower() if title is not None else ""
        if key in headers and key not in found:
            found[key] = index
    return found


def _kept(sheet: str, rows: Iterable[Row], indexes: Row, held: _Held) -> list[Row]:
    """The wanted cells of rows up to the catalog's last; refuse data beyond."""
    kept_rows: list[Row] = []
    last = limits.MAX_PRODUCTS + 1
    for number, row in enumerate(rows, start=2):
        # Only the wanted cells are looked at again: a note column is dropped with its row.
        values = tuple(row[index] for index in indexes)
        blank = values.count(None) == len(values)
        if number > last and not blank:
            message = (
                f"is past row {last:,}, the last one read; a catalog holds at most "
                f"{limits.MAX_PRODUCTS:,} products, so split it into two files"
            )
            raise CatalogError([CatalogProblem(sheet, number, None, message)])
        if number <= last:
            kept_rows.append(() if blank else held.take(sheet, number, values))
    return kept_rows


class _Held:
    """The bytes of text kept from every sheet so far, refused past MAX_HELD_TEXT_BYTES."""

    def __init__(self) -> None:
        self.size = 0

    def take(self, sheet: str, number: int, values: Row) -> Row:
        """`values` with each text stripped (and cut when too long for any column), counted."""
        row = tuple(kept(value) if isinstance(value, str) else value for value in values)
        self.size += sum(map(_size, row))
        if self.size > limits.MAX_HELD_TEXT_BYTES:
            most = limits.MAX_HELD_TEXT_BYTES // (1024 * 1024)
            message = (
                f"takes the catalog's text past {most} MB, the most read (a character such as "
                "an emoji takes up to 4 bytes); shorten the texts or split the file in two"
            )
            raise CatalogError([CatalogProblem(sheet, number, None, message)])
        return row


def _size(value: object) -> int:
    """Bytes a kept text takes: getsizeof, not len, as one emoji makes every character 4."""
    if isinstance(value, str):
        return sys.getsizeof(value)
    if isinstance(value, LongText):
        return sys.getsizeof(value) + sys.getsizeof(value.head)
    return 0  # a number, date or boolean: a few dozen bytes, and at most six a row
