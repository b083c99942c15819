"""Read a catalog workbook (sheets Suppliers, Products) into a checked `Catalog`, or refuse it."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from openpyxl.utils import get_column_letter

from domain.errors import CatalogError, CatalogProblem
from domain.model import Catalog, Product, Supplier
from domain.wording import plural
from storage import workbook_cells as cells
from storage import workbook_limits as limits
from storage.workbook_rows import WORKBOOK, read_sheets

SUPPLIERS = "Suppliers"
PRODUCTS = "Products"
MAX_PROBLEMS = 100

Row = Sequence[object]
Converter = Callable[[object], object]


def _case_pack(value: object) -> int:
    """Units per case; an empty cell means the product is bought singly."""
    return 1 if cells.is_blank(value) else cells.whole_number(value, minimum=1)


# Each text is bounded by the database column it is stored in, so PostgreSQL never refuses it.
SUPPLIER_COLUMNS: dict[str, Converter] = {
    "supplier": partial(cells.text, longest=limits.SUPPLIER_LENGTH),
    "email": partial(cells.optional_email, longest=limits.EMAIL_LENGTH),
    "lead_time_days": cells.whole_number,
    "min_order_qty": cells.whole_number,
}
PRODUCT_COLUMNS: dict[str, Converter] = {
    "sku": partial(cells.text, longest=limits.SKU_LENGTH),
    "name": partial(cells.text, longest=limits.NAME_LENGTH),
    "supplier": partial(cells.text, longest=limits.SUPPLIER_LENGTH),
    "on_hand": cells.whole_number,
    "case_pack": _case_pack,
    "unit_cost": partial(cells.money, largest=limits.MAX_UNIT_COST),
}


@dataclass(frozen=True)
class _Row:
    """One data row: the cells that converted cleanly, and whether every column did."""

    number: int
    values: dict[str, object]
    complete: bool


@dataclass(frozen=True)
class _Sheet:
    """A sheet's non-blank data rows, and a label for each required column it has."""

    name: str
    rows: list[_Row]
    labels: dict[str, str]

    def problem(self, number: int, column: str, message: str) -> CatalogProblem:
        """A problem at row `number` in `column`, located as the user sees it."""
        return CatalogProblem(self.name, number, self.labels.get(column, column), message)


def read_catalog(path: str | os.PathLike[str]) -> Catalog:
    """Read and check a whole catalog workbook; raise `CatalogError` listing every problem."""
    sheets = read_sheets(path, (SUPPLIERS, PRODUCTS))
    problems: list[CatalogProblem] = []
    supplier_rows = _parse_sheet(SUPPLIERS, sheets[SUPPLIERS], SUPPLIER_COLUMNS, problems)
    suppliers, known = _suppliers(supplier_rows, problems)
    product_rows = _parse_sheet(PRODUCTS, sheets[PRODUCTS], PRODUCT_COLUMNS, problems)
    products = _products(product_rows, known, problems)
    if problems:
        raise CatalogError(_reported(problems))
    return Catalog(suppliers=tuple(suppliers), products=tuple(products))


def _parse_sheet(
    name: str,
    rows: list[Row] | None,
    columns: dict[str, Converter],
    problems: list[CatalogProblem],
) -> _Sheet | None:
    """Convert each non-blank data row; None when the sheet is missing."""
    if rows is None:
        problems.append(CatalogProblem(name, None, None, f"there is no sheet named {name}"))
        return None
    positions = _find_columns(name, rows[0] if rows else (), columns, problems)
    labels = {column: _label(index, column) for column, index in positions.items()}
    sheet = _Sheet(name, [], labels)
    for number, row in enumerate(rows[1:], start=2):
        # Only the catalog's own columns count: a row holding just a note is not a product.
        if all(cells.is_blank(_cell(row, index)) for index in positions.values()):
            continue
        sheet.rows.append(_parse_row(sheet, number, row, positions, columns, problems))
    return sheet


def _find_columns(
    sheet: str, header: Row, columns: dict[str, Converter], problems: list[CatalogProblem]
) -> dict[str, int]:
    """Where each required column is, by header name in any case; missing ones are problems."""
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = str(title).strip().lower() if title is not None else ""
        if key in columns and key not in found:
            found[key] = index
    for name in columns:
        if name not in found:
            problems.append(
                CatalogProblem(sheet, 1, name, f"is missing; add a column headed {name}")
            )
    return found


def _parse_row(
    sheet: _Sheet,
    number: int,
    row: Row,
    positions: dict[str, int],
    columns: dict[str, Converter],
    problems: list[CatalogProblem],
) -> _Row:
    """Convert one row's cells, noting a problem for each that cannot be used."""
    values: dict[str, object] = {}
    for column, index in positions.items():
        try:
            values[column] = columns[column](_cell(row, index))
        except cells.CellError as error:
            problems.append(sheet.problem(number, column, str(error)))
    return _Row(number, values, complete=len(values) == len(columns))


def _suppliers(
    sheet: _Sheet | None, problems: list[CatalogProblem]
) -> tuple[list[Supplier], dict[str, str] | None]:
    """Suppliers in sheet order, and each readable name by its lower case (None: unknowable)."""
    if sheet is None or "supplier" not in sheet.labels:
        return [], None
    suppliers: list[Supplier] = []
    known: dict[str, str] = {}
    first_row: dict[str, int] = {}
    for row in sheet.rows:
        name = row.values.get("supplier")
        if not isinstance(name, str):
            continue
        if name.lower() in first_row:
            message = f'supplier "{name}" is listed twice; also on row {first_row[name.lower()]}'
            problems.append(sheet.problem(row.number, "supplier", message))
            continue
        first_row[name.lower()], known[name.lower()] = row.number, name
        if row.complete:
            suppliers.append(_supplier(row.values))
    return suppliers, known


def _supplier(values: dict[str, object]) -> Supplier:
    """A Supplier from a row whose every cell converted."""
    return Supplier(
        name=values["supplier"],  # type: ignore[arg-type]
        email=values["email"],  # type: ignore[arg-type]
        lead_time_days=values["lead_time_days"],  # type: ignore[arg-type]
        min_order_qty=values["min_order_qty"],  # type: ignore[arg-type]
    )


def _products(
    sheet: _Sheet | None, known: dict[str, str] | None, problems: list[CatalogProblem]
) -> list[Product]:
    """Products in sheet order, with unique SKUs and suppliers named as on the Suppliers sheet."""
    if sheet is None:
        return []
    products: list[Product] = []
    first_row: dict[str, int] = {}
    for row in sheet.rows:
        values = dict(row.values)
        unique = _unique_sku(sheet, row, first_row, problems)
        if _resolve_supplier(sheet, row, values, known, problems) and unique and row.complete:
            products.append(Product(**values))  # type: ignore[arg-type]
    return products


def _unique_sku(
    sheet: _Sheet, row: _Row, first_row: dict[str, int], problems: list[CatalogProblem]
) -> bool:
    """Note where each SKU first appears; False, with a problem, for a repeat."""
    sku = row.values.get("sku")
    if not isinstance(sku, str):
        return True
    if sku in first_row:
        message = f'SKU "{sku}" is used twice; also on row {first_row[sku]}'
        problems.append(sheet.problem(row.number, "sku", message))
        return False
    first_row[sku] = row.number
    return True


def _resolve_supplier(
    sheet: _Sheet,
    row: _Row,
    values: dict[str, object],
    known: dict[str, str] | None,
    problems: list[CatalogProblem],
) -> bool:
    """Swap the row's supplier for its name as on the Suppliers sheet; False if it is not there."""
    name = values.get("supplier")
    if not isinstance(name, str) or known is None:
        return True
    canonical = known.get(name.lower())
    if canonical is None:
        message = f'supplier "{name}" is not on the {SUPPLIERS} sheet'
        problems.append(sheet.problem(row.number, "supplier", message))
        return False
    values["supplier"] = canonical
    return True


def _reported(problems: list[CatalogProblem]) -> list[CatalogProblem]:
    """Problems in sheet and row order, at most MAX_PROBLEMS, then how many more there were."""
    order = {SUPPLIERS: 1, PRODUCTS: 2}
    problems = sorted(problems, key=lambda p: (order.get(p.sheet, 0), p.row or 0))
    if len(problems) <= MAX_PROBLEMS:
        return problems
    more = f"... and {plural(len(problems) - MAX_PROBLEMS, 'more problem')}"
    return [*problems[:MAX_PROBLEMS], CatalogProblem(WORKBOOK, None, None, more)]


def _cell(row: Row, index: int) -> object:
    """The value at `index`, or None past the end of a short row."""
    return row[index] if index < len(row) else None


def _label(index: int, name: str) -> str:
    """A column as a person finds it: its letter and its header, e.g. "E (on_hand)"."""
    return f"{get_column_letter(index + 1)} ({name})"
