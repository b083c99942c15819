"""Catalogs from CSV: Shopify's product export, or the Products columns saved as CSV.

A CSV has no Suppliers sheet: a supplier already in the database keeps its terms, and one seen
for the first time is created with app.yaml's (no email, `purchasing.default_lead_time_days`,
no early raise), to be completed later by a workbook import or left as it is.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from domain.errors import CatalogError, CatalogProblem
from domain.model import Catalog, Product, Supplier
from storage import workbook_limits as limits
from storage.catalog_shopify import SHOPIFY_SKU, shopify_table
from storage.catalog_workbook import PRODUCT_COLUMNS, has_promises, read_catalog, read_products
from storage.db import Database
from storage.models import SupplierRow
from storage.workbook_cells import kept
from storage.workbook_rows import Row, Table, header_key

CSV_ENDINGS = (".csv", ".tsv", ".txt")


@dataclass(frozen=True)
class CatalogFile:
    """A checked catalog, and what a person should know about how it was read."""

    catalog: Catalog
    notes: tuple[str, ...] = ()


def read_catalog_file(
    path: str | os.PathLike[str], known: Mapping[str, Supplier], lead_time_days: int
) -> CatalogFile:
    """A workbook, or a CSV (by its ending) whose suppliers are `known` (lower case) or new."""
    if not str(path).lower().endswith(CSV_ENDINGS):
        return CatalogFile(read_catalog(path))
    sheet = Path(path).name
    header, rows = _records(path, sheet)
    if SHOPIFY_SKU in map(header_key, header):
        table, notes = shopify_table(sheet, header, rows)
    else:
        table, notes = _plain_table(header, rows), ()
    products = read_products(sheet, table)
    suppliers = _suppliers(products, known, lead_time_days)
    new = [s.name for s in suppliers if s.name.lower() not in known]
    if new:
        notes += (
            f"New suppliers, with app.yaml's terms (no email, {lead_time_days}-day lead time): "
            + ", ".join(new),
        )
    catalog = Catalog(tuple(suppliers), products, product_promises=has_promises(table))
    return CatalogFile(catalog, notes)


def _records(path: str | os.PathLike[str], sheet: str) -> tuple[list[str], list[list[str]]]:
    """The header and the records of a CSV file, or `CatalogError` saying why not."""
    try:
        with open(path, "rb") as file:
            data = file.read(limits.MAX_FILE_BYTES + 1)
    except OSError as error:
        raise _unreadable(sheet, f"could not be opened ({error.strerror or error})") from error
    if len(data) > limits.MAX_FILE_BYTES:
        raise _unreadable(sheet, f"is larger than {limits.MAX_FILE_BYTES // (1024 * 1024)} MB")
    text = _decoded(data, sheet)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), _dialect(text)))
    except csv.Error as error:
        message = f"has a line no spreadsheet program could read ({error})"
        raise _unreadable(sheet, message) from error
    if not records:
        raise CatalogError([CatalogProblem(sheet, 1, None, "is empty; a header row is needed")])
    if len(records) > limits.MAX_PRODUCTS + 1:
        message = f"holds more than {limits.MAX_PRODUCTS:,} rows; split it into two files"
        raise CatalogError([CatalogProblem(sheet, None, None, message)])
    return records[0], records[1:]


def _decoded(data: bytes, sheet: str) -> str:
    """UTF-8 (with or without Excel's byte order mark), else Windows' own (Excel's "CSV")."""
    if b"\0" in data:
        message = "is not text; save it as CSV UTF-8 (Comma delimited) and try again"
        raise _unreadable(sheet, message)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise _unreadable(sheet, "is not text; save it as CSV UTF-8 and try again") from error


def _unreadable(sheet: str, message: str) -> CatalogError:
    """A CSV that cannot be read at all, named as the CSV file it is, not as a workbook."""
    return CatalogError([CatalogProblem(sheet, None, None, f"the CSV file {message}")])


def _dialect(text: str) -> type[csv.Dialect]:
    """Commas, or the semicolons or tabs Excel writes in some countries: the header decides."""
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    csv.field_size_limit(limits.EXCEL_MAX_TEXT * 4)  # a quoted cell may hold escaped quotes

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


def _plain_table(header: list[str], rows: list[list[str]]) -> Table:
    """The Products columns, found as on a sheet, each row cut to them."""
    wanted = {header_key(column): column for column in PRODUCT_COLUMNS}
    columns: dict[str, int] = {}
    for index, title in enumerate(header[: limits.MAX_COLUMNS]):
        column = wanted.get(header_key(title))
        if column is not None and column not in columns:
            columns[column] = index
    return Table(columns, [_cut(row, tuple(columns.values())) for row in rows])


def _cut(row: list[str], indexes: tuple[int, ...]) -> Row:
    values = tuple(kept(row[index]) if index < len(row) else None for index in indexes)
    return () if all(value in (None, "") for value in values) else values


def _suppliers(
    products: tuple[Product, ...], known: Mapping[str, Supplier], lead_time_days: int
) -> list[Supplier]:
    """Each product's supplier once: as the database knows it, or new with app.yaml's terms."""
    suppliers: dict[str, Supplier] = {}
    for product in products:
        key = product.supplier.lower()
        if key not in suppliers:
            suppliers[key] = known.get(key) or Supplier(product.supplier, None, lead_time_days, 0)
    return list(suppliers.values())


def known_suppliers(database: Database) -> dict[str, Supplier]:
    """Every supplier in the database with its terms, by its name in lower case."""
    with database.sessions() as session:
        rows = session.execute(select(SupplierRow)).scalars().all()
        return {
            row.name.lower(): Supplier(
                row.name, row.email, row.lead_time_days, row.min_order_qty, row.promise_days
            )
            for row in rows
        }
