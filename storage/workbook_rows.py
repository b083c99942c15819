"""The catalog columns of named sheets, read lazily from a checked package in bounded memory."""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import IO, BinaryIO

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from domain.errors import CatalogError, CatalogProblem
from storage import workbook_limits as limits
from storage.workbook_cells import UNSAVED_FORMULA, LongText, kept
from storage.workbook_package import NOT_XLSX, WorkbookRefused, check_package
from storage.workbook_strict import transitional_copy

WORKBOOK = "workbook"
Row = tuple[object, ...]
Indexes = tuple[int, ...]
Wanted = Mapping[str, Collection[str]]  # sheet name: the headers of the columns to read
_SPACING = re.compile(r"[\s_]+")


def header_key(title: object) -> str:
    """A header as it is matched: "Lead time days", "LEAD_TIME_DAYS" and "lead_time_days" agree."""
    return _SPACING.sub("", str(title)).lower() if title is not None else ""


@dataclass(frozen=True)
class Table:
    """A sheet's wanted columns found on its first row, and its data rows cut to them."""

    columns: dict[str, int]  # header, as wanted: the column's index in the sheet (A is 0)
    rows: list[Row]  # from row 2: the values of `columns`, in that order; () for a blank row
    titles: dict[str, str] = field(default_factory=dict)  # a column's own header, where it differs


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
    package = check_package(file)
    with ExitStack() as stack, warnings.catch_warnings():
        # openpyxl warns about parts it drops ("invalid specification"); a report of problems
        # is the user's answer, not warnings on the operator's terminal.
        warnings.simplefilter("ignore")
        source: IO[bytes] = file
        if package.strict:
            source = stack.enter_context(transitional_copy(file))
        source.seek(0)
        workbook = _open(stack, source, data_only=True)
        # Cells whose formula has no saved value read as empty; a second view of the same
        # sheets, read only as far as such a cell, tells them apart from empty cells.
        formulas = _open(stack, source, data_only=False) if package.unsaved_formulas else None
        held = _Held()
        return {name: _table(workbook, formulas, name, wanted[name], held) for name in wanted}


def _open(stack: ExitStack, source: IO[bytes], data_only: bool) -> Workbook:
    # keep_links=False: external links are parts openpyxl would otherwise parse whole.
    workbook = load_workbook(source, read_only=True, data_only=data_only, keep_links=False)
    stack.callback(workbook.close)
    return workbook


def _table(
    workbook: Workbook,
    formulas: Workbook | None,
    name: str,
    headers: Collection[str],
    held: _Held,
) -> Table | None:
    """The sheet called `name` in any letter case cut to `headers`, or None when there is none."""
    for title in workbook.sheetnames:
        if header_key(title) == header_key(name):
            columns = _columns(workbook[title], headers)
            if not columns:
                return Table(columns, [])
            rows = _rows(workbook[title], columns)
            formula_rows = _rows(formulas[title], columns) if formulas is not None else None
            kept_rows = _kept(name, rows, tuple(columns.values()), held, _Formulas(formula_rows))
            return Table(columns, kept_rows)
    return None


def _rows(sheet: ReadOnlyWorksheet, columns: dict[str, int]) -> Iterator[Row]:
    # Both bounds are given: without them openpyxl sizes every row by the widest
    # cell or by the sheet's stated dimension, which a file may set to XFD1048576.
    return sheet.iter_rows(
        min_row=2,
        max_col=max(columns.values()) + 1,
        max_row=limits.EXCEL_MAX_ROWS,
        values_only=True,
    )


def _columns(sheet: ReadOnlyWorksheet, headers: Collection[str]) -> dict[str, int]:
    """Where each of `headers` is on the first row, in any case and spacing; the leftmost counts."""
    first = sheet.iter_rows(max_row=1, max_col=limits.MAX_COLUMNS, values_only=True)
    wanted = {header_key(header): header for header in headers}
    found: dict[str, int] = {}
    for index, title in enumerate(next(first, ())):
        header = wanted.get(header_key(title))
        if header is not None and header not in found:
            found[header] = index
    return found


class _Formulas:
    """A sheet's formulas, read in step with its values only as far as an empty cell asks."""

    def __init__(self, rows: Iterator[Row] | None) -> None:
        self.rows = rows
        self.number = 1
        self.row: Row = ()

    def mark(self, number: int, values: Row, indexes: Indexes) -> Row:
        """`values` with each empty cell that holds a formula marked as `UNSAVED_FORMULA`."""
        if self.rows is None or None not in values:
            return values
        while self.number < number:
            self.row = next(self.rows, ())
            self.number += 1
        return tuple(
            UNSAVED_FORMULA if value is None and _at(self.row, index) is not None else value
            for value, index in zip(values, indexes, strict=True)
        )


def _at(row: Row, index: int) -> object:
    return row[index] if index < len(row) else None


def _kept(
    sheet: str, rows: Iterable[Row], indexes: Indexes, held: _Held, formulas: _Formulas
) -> list[Row]:
    """The wanted cells of rows up to the catalog's last; refuse data beyond."""
    kept_rows: list[Row] = []
    last = limits.MAX_PRODUCTS + 1
    for number, row in enumerate(rows, start=2):
        # Only the wanted cells are looked at again: a note column is dropped with its row.
        values = formulas.mark(number, tuple(row[index] for index in indexes), indexes)
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
