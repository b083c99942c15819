"""How big a catalog workbook may be, checked before it is loaded, and why each bound is there.

A real catalog for a small retailer is a few thousand products in six columns; every bound
here leaves ten times that room or more while keeping one import under 300 MB of memory.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Column, Numeric, String

from domain.model import MAX_LINE_QUANTITY
from storage.models import ProductRow, SupplierRow

# The uploaded file itself. A 100,000-product catalog saved by Excel is about 5 MB.
MAX_FILE_BYTES = 20 * 1024 * 1024
# Every part unpacked, added up: a 100,000-row sheet with inline strings and styles is ~60 MB.
# This (not the file size) bounds the time a hostile file can make the import take.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# Parts in the zip. Excel writes about a dozen; a directory of a million empty entries would
# cost far more memory to list than the file takes on disk.
MAX_PARTS = 1_000
MAX_DIRECTORY_BYTES = 1024 * 1024
# Unpacked size over packed size. Spreadsheet XML packs 5 to 20 times; zip bombs pack 1,000s.
MAX_RATIO = 100
RATIO_CHECKED_ABOVE = 1024 * 1024  # tiny parts may pack well without meaning harm

# openpyxl parses every part except worksheets and the shared strings whole, into a tree of
# about 300 bytes an element, so those parts stay small (a real styles.xml is < 1 MB).
MAX_TREE_PART_BYTES = 10 * 1024 * 1024
MAX_TREE_ELEMENTS = 100_000
# Worksheets and shared strings are read one row (one string) at a time; each row or string
# still becomes a tree, so its elements are bounded: a row has at most 16,384 cells in Excel.
MAX_ROW_ELEMENTS = 4 * 16_384
# Excel's own limits: characters in a cell, the last row number. A file past them was not
# written by a spreadsheet program, whatever it claims.
EXCEL_MAX_TEXT = 32_767
EXCEL_MAX_ROWS = 1_048_576
# Rows (<row> elements, blank or not) in any one sheet: openpyxl keeps ~70 bytes of each after
# reading it. Twice the products a catalog may hold leaves room for blank and formatted rows.
MAX_SHEET_ROWS = 200_000
# The shared strings table is held in memory whole while the sheets are read, whichever columns
# use it. A 100,000-product catalog has about 200,000 distinct texts (SKU and name each) in about
# 12 MB. Python stores a text in 1, 2 or 4 bytes a character by its widest one, so a string of
# ASCII and one emoji takes 4 bytes a character: the text is bounded by those bytes, not by
# characters or by the bytes of the file.
MAX_SHARED_STRINGS = 300_000
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
MAX_SHARED_TEXT_BYTES = 32 * 1024 * 1024
# Text kept from the catalog's own columns until every row is checked, counted the same way
# (with Python's per-string overhead); other columns' cells are dropped as each row is read.
# 100,000 products with a 100-character name, SKU and supplier take about 20 MB.
MAX_HELD_TEXT_BYTES = 64 * 1024 * 1024

# What the catalog itself may hold.
MAX_PRODUCTS = 100_000  # data rows per sheet: row 2 to row MAX_PRODUCTS + 1
MAX_COLUMNS = 50  # columns read per row (A to AX); cells further right are not looked at
MAX_TEXT = 1_000  # characters in any catalog text cell that no database column bounds more
# Whole numbers a catalog may give. Every later date and sum is computed from them, so each is
# bounded by what a small retailer could mean rather than by what the database holds: a lead
# time of 3,000,000 days is past the year 9999 and broke approving and the digest for everyone.
MAX_LEAD_TIME_DAYS = 365
MAX_PROMISE_DAYS = 365  # a promised ship-by more than a year out is no promise
MAX_MIN_ORDER_QTY = 1_000_000  # ten order lines at the largest a store may send
MAX_CASE_PACK = MAX_LINE_QUANTITY  # a case holds at most one of the largest order lines
MAX_ON_HAND = 10_000_000


def _length(column: Column[str] | object) -> int:
    """The characters a text column holds on every database (PostgreSQL enforces it)."""
    column_type = getattr(column, "type", None)
    if isinstance(column_type, String) and column_type.length:
        return min(column_type.length, MAX_TEXT)
    return MAX_TEXT


def _largest(column: Column[Decimal] | object) -> Decimal:
    """The largest amount a NUMERIC(precision, scale) column stores without overflowing."""
    column_type = getattr(column, "type", None)
    assert isinstance(column_type, Numeric) and column_type.precision and column_type.scale
    whole = 10 ** (column_type.precision - column_type.scale) - 1
    return Decimal(whole) + 1 - Decimal(1).scaleb(-column_type.scale)


SKU_LENGTH = _length(ProductRow.__table__.c.sku)
NAME_LENGTH = _length(ProductRow.__table__.c.name)
SUPPLIER_LENGTH = _length(SupplierRow.__table__.c.name)
EMAIL_LENGTH = _length(SupplierRow.__table__.c.email)
MAX_UNIT_COST = _largest(ProductRow.__table__.c.unit_cost)
