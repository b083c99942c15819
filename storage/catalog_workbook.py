"""Read a catalog workbook (sheets Suppliers, Products) into a checked `Catalog`, or refuse it."""

from __future__ import annotations

import heapq
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
from storage.workbook_rows import WORKBOOK, Table, read_sheets

SUPPLIERS = "Suppliers"
PRODUCTS = "Products"
MAX_PROBLEMS = 100
_SHEET_ORDER = {SUPPLIERS: 1, PRODUCTS: 2}

Row = Sequence[object]
Converter = Callable[[object], object]


def _case_pack(value: object) -> int:
    """Units per case; an empty cell means the product is bought singly."""
    if cells.is_blank(value):
        return 1
    return cells.whole_number(value, minimum=1, maximum=limits.MAX_CASE_PACK)


def promise_days(value: object) -> int | None:
    """Days from an order to its promised ship-by; an empty cell leaves it to the default."""
    if cells.is_blank(value):
        return None
    return cells.whole_number(value, maximum=limits.MAX_PROMISE_DAYS)


# Each text is bounded by the database column it is stored in, so PostgreSQL never refuses it;
# each number by what a small retailer could mean (see workbook_limits).
SUPPLIER_COLUMNS: dict[str, Converter] = {
    "supplier": partial(cells.text, longest=limits.SUPPLIER_LENGTH),
    "email": partial(cells.optional_email, longest=limits.EMAIL_LENGTH),
    "lead_time_days": partial(cells.whole_number, maximum=limits.MAX_LEAD_TIME_DAYS),
    "min_order_qty": partial(cells.whole_number, maximum=limits.MAX_MIN_ORDER_QTY),
    "promise_days": promise_days,
}
PRODUCT_COLUMNS: dict[str, Converter] = {
    "sku": partial(cells.text, longest=limits.SKU_LENGTH),
    "name": partial(cells.text, longest=limits.NAME_LENGTH),
    "supplier": partial(cells.text, longest=limits.SUPPLIER_LENGTH),
    "on_hand": partial(cells.whole_number, maximum=limits.MAX_ON_HAND),
    "case_pack": _case_pack,
    "unit_cost": partial(cells.money, largest=limits.MAX_UNIT_COST),
    "promise_days": promise_days,
}
OPTIONAL = frozenset({"promise_days"})  # a sheet may leave these columns out


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
    sheets = read_sheets(path, {SUPPLIERS: SUPPLIER_COLUMNS, PRODUCTS: PRODUCT_COLUMNS})
    problems = _Problems()
    supplier_rows = _parse_sheet(SUPPLIERS, sheets[SUPPLIERS], SUPPLIER_COLUMNS, problems)
    suppliers, known = _suppliers(supplier_rows, problems)
    product_rows = _parse_sheet(PRODUCTS, sheets[PRODUCTS], PRODUCT_COLUMNS, problems)
    products = _products(product_rows, known, problems)
    if problems:
        raise CatalogError(problems.reported())
    return Catalog(
        suppliers=tuple(suppliers),
        products=tuple(products),
        supplier_promises=has_promises(sheets[SUPPLIERS]),
        product_promises=has_promises(sheets[PRODUCTS]),
    )


def has_promises(table: Table | None) -> bool:
    """Whether the table has a promise_days column."""
    return table is not None and "promise_days" in table.columns


def read_products(
    name: str, table: Table, suppliers: dict[str, str] | None = None
) -> tuple[Product, ...]:
    """Products of one table, checked as the Products sheet is; `suppliers` by lower case."""
    problems = _Problems()
    products = _products(_parse_sheet(name, table, PRODUCT_COLUMNS, problems), suppliers, problems)
    if problems:
        raise CatalogError(problems.reported())
    return tuple(products)


def _parse_sheet(
    name: str,
    table: Table | None,
    columns: dict[str, Converter],
    problems: _Problems,
) -> _Sheet | None:
    """Convert each non-blank data row; None when the sheet is missing."""
    if table is None:
        problems.append(CatalogProblem(name, None, None, f"there is no sheet named {name}"))
        return None
    for column in columns:
        if column not in table.columns and column not in OPTIONAL:
            message = f"is missing; add a column headed {column}"
            problems.append(CatalogProblem(name, 1, column, message))
    labels = {
        column: _label(index, table.titles.get(column, column))
        for column, index in table.columns.items()
    }
    # A table's rows hold its columns' values in the order they were found.
    positions = {column: at for at, column in enumerate(table.columns)}
    sheet = _Sheet(name, [], labels)
    for number, row in enumerate(table.rows, start=2):
        # Only the catalog's own columns count: a row holding just a note is not a product.
        if all(cells.is_blank(_cell(row, index)) for index in positions.values()):
            continue
        sheet.rows.append(_parse_row(sheet, number, row, positions, columns, problems))
    return sheet


def _parse_row(
    sheet: _Sheet,
    number: int,
    row: Row,
    positions: dict[str, int],
    columns: dict[str, Converter],
    problems: _Problems,
) -> _Row:
    """Convert one row's cells, noting a problem for each that cannot be used."""
    values: dict[str, object] = {}
    for column, index in positions.items():
        value = _cell(row, index)
        if value is cells.UNSAVED_FORMULA:
            problems.append(sheet.problem(number, column, cells.UNSAVED_FORMULA_MESSAGE))
            continue
        try:
            values[column] = columns[column](value)
        except cells.CellError as error:
            problems.append(sheet.problem(number, column, str(error)))
    wanted = [column for column in columns if column in positions or column not in OPTIONAL]
    return _Row(number, values, complete=all(column in values for column in wanted))


def _suppliers(
    sheet: _Sheet | None, problems: _Problems
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
        promise_days=values.get("promise_days"),  # type: ignore[arg-type]
    )


def _products(
    sheet: _Sheet | None, known: dict[str, str] | None, problems: _Problems
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


def _unique_sku(sheet: _Sheet, row: _Row, first_row: dict[str, int], problems: _Problems) -> bool:
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
    problems: _Problems,
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


class _Problems:
    """The first MAX_PROBLEMS problems in sheet and row order, and how many there are in all.

    Only those are kept: a catalog with six bad cells in each of 100,000 rows would otherwise
    hold 600,000 messages to show a hundred.
    """

    def __init__(self) -> None:
        self.count = 0
        self._kept: list[tuple[tuple[int, int, int], CatalogProblem]] = []  # a heap, worst first

    def __bool__(self) -> bool:
        return self.count > 0

    def append(self, problem: CatalogProblem) -> None:
        """Count `problem`, keeping it while it is among the first MAX_PROBLEMS."""
        self.count += 1
        # Negated, so the heap's top is the problem a user would be shown last.
        place = (-_SHEET_ORDER.get(problem.sheet, 0), -(problem.row or 0), -self.count)
        if len(self._kept) < MAX_PROBLEMS:
            heapq.heappush(self._kept, (place, problem))
        elif place > self._kept[0][0]:
            heapq.heapreplace(self._kept, (place, problem))

    def reported(self) -> list[CatalogProblem]:
        """The kept problems in order, then a count of the rest when there are more."""
        shown = [problem for _, problem in sorted(self._kept, reverse=True)]
        if self.count <= MAX_PROBLEMS:
            return shown
        more = f"... and {plural(self.count - MAX_PROBLEMS, 'more problem')}"
        return [*shown, CatalogProblem(WORKBOOK, None, None, more)]


def _cell(row: Row, index: int) -> object:
    """The value at `index`, or None past the end of a short row."""
    return row[index] if index < len(row) else None


def _label(index: int, name: str) -> str:
    """A column as a person finds it: its letter and its header, e.g. "E (on_hand)"."""
    return f"{get_column_letter(index + 1)} ({name})"
