"""The rows of named sheets, read lazily from a checked package with every loop bounded."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from typing import BinaryIO

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from domain.errors import CatalogError, CatalogProblem
from storage import workbook_limits as limits
from storage.workbook_package import NOT_XLSX, WorkbookRefused, check_package

WORKBOOK = "workbook"
Row = tuple[object, ...]


def read_sheets(path: str | os.PathLike[str], names: Sequence[str]) -> dict[str, list[Row] | None]:
    """Each named sheet's rows (None for a missing sheet), or `CatalogError` saying why not."""
    try:
        # Opened by content, not by file name, so an upload saved without ".xlsx" still reads.
        file = open(path, "rb")  # noqa: SIM115 - closed below, after reading in a second try
    except OSError as error:
        raise unreadable(f"could not be opened ({error.strerror or error})") from error
    with file:
        try:
            return _read(file, names)
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


def _read(file: BinaryIO, names: Sequence[str]) -> dict[str, list[Row] | None]:
    check_package(file)
    file.seek(0)
    with warnings.catch_warnings():
        # openpyxl warns about parts it drops ("invalid specification"); a report of problems
        # is the user's answer, not warnings on the operator's terminal.
        warnings.simplefilter("ignore")
        # keep_links=False: external links are parts openpyxl would otherwise parse whole.
        workbook = load_workbook(file, read_only=True, data_only=True, keep_links=False)
        try:
            return {name: _sheet_rows(workbook, name) for name in names}
        finally:
            workbook.close()


def _sheet_rows(workbook: Workbook, name: str) -> list[Row] | None:
    """The rows of the sheet called `name` in any letter case, or None when there is none."""
    for title in workbook.sheetnames:
        if title.strip().lower() == name.lower():
            # Both bounds are given: without them openpyxl sizes every row by the widest
            # cell or by the sheet's stated dimension, which a file may set to XFD1048576.
            rows = workbook[title].iter_rows(
                max_col=limits.MAX_COLUMNS, max_row=limits.EXCEL_MAX_ROWS, values_only=True
            )
            return _kept(name, rows)
    return None


def _kept(sheet: str, rows: Iterable[Row]) -> list[Row]:
    """Rows up to the catalog's last, each cut after its last value; refuse data beyond."""
    kept: list[Row] = []
    last = limits.MAX_PRODUCTS + 1
    for number, row in enumerate(rows, start=1):
        blank = row.count(None) == len(row)  # most rows past the data: checked at C speed
        if number > last and not blank:
            message = (
                f"is past row {last:,}, the last one read; a catalog holds at most "
                f"{limits.MAX_PRODUCTS:,} products, so split it into two files"
            )
            raise CatalogError([CatalogProblem(sheet, number, None, message)])
        if number <= last:
            kept.append(() if blank else _trimmed(row))
    return kept


def _trimmed(row: Row) -> Row:
    """The row without the empty cells after its last value."""
    width = len(row)
    while width and row[width - 1] is None:
        width -= 1
    return row[:width]
