"""Shopify's product export CSV as a Products table: one row per variant that has a SKU.

Shopify writes a product's Title and Vendor on its first row only; the rows below with the same
Handle are its other variants (and its extra images, which have no SKU). See
help.shopify.com/manual/products/import-export/using-csv.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from domain.errors import CatalogError, CatalogProblem
from domain.wording import plural
from storage.workbook_rows import Row, Table, header_key

SHOPIFY_SKU = "variantsku"
# Catalog column: the Shopify header it is read from.
_SOURCES = {
    "sku": "Variant SKU",
    "name": "Title",
    "supplier": "Vendor",
    "on_hand": "Variant Inventory Qty",
    "unit_cost": "Cost per item",
}
_OPTIONS = ("Option1 Value", "Option2 Value", "Option3 Value")
_NO_OPTIONS = "Default Title"  # Shopify's option value for a product without variants


@dataclass
class _Product:
    """The product the rows below its first belong to."""

    handle: str
    title: str
    vendor: str


def shopify_table(
    sheet: str, header: list[str], rows: list[list[str]]
) -> tuple[Table, tuple[str, ...]]:
    """The variants of a Shopify export as catalog rows, and notes on what was assumed."""
    at = {header_key(title): index for index, title in reversed(list(enumerate(header)))}
    find = {column: at.get(header_key(title)) for column, title in _SOURCES.items()}
    missing = [_SOURCES[c] for c in ("name", "supplier") if find[c] is None]
    if missing:
        message = f"is a Shopify export without {' or '.join(missing)}; export all columns"
        raise CatalogError([CatalogProblem(sheet, 1, None, message)])
    reader = _Reader(at, find)
    table_rows = [reader.variant(sheet, number, row) for number, row in enumerate(rows, start=2)]
    columns = {column: _index(find.get(column), len(header)) for column in _COLUMNS}
    titles = {column: _SOURCES.get(column, column) for column in _COLUMNS}
    return Table(columns, table_rows, titles), reader.notes()


def _index(found: int | None, absent: int) -> int:
    return absent if found is None else found


_COLUMNS = ("sku", "name", "supplier", "on_hand", "case_pack", "unit_cost")


class _Reader:
    """Reads variant rows in order, remembering the product each belongs to."""

    def __init__(self, at: dict[str, int], find: dict[str, int | None]) -> None:
        self.at, self.find = at, find
        self.product: _Product | None = None
        self.costless = self.oversold = 0

    def variant(self, sheet: str, number: int, row: list[str]) -> Row:
        """One catalog row for a variant with a SKU; () for an image row or a row without SKU."""
        cell = _Cells(row)
        title, handle = cell(self.find["name"]), cell(self.at.get("handle"))
        if title:
            self.product = _Product(handle, title, cell(self.find["supplier"]))
        elif self.product is None or (handle and handle != self.product.handle):
            if not cell(self.find["sku"]):
                return ()
            message = f'has no Title and is not a variant of the product above (Handle "{handle}")'
            letter = get_column_letter(self.find["name"] + 1)  # type: ignore[operator]
            raise CatalogError([CatalogProblem(sheet, number, f"{letter} (Title)", message)])
        sku = cell(self.find["sku"])
        if not sku:
            return ()
        assert self.product is not None
        return (sku, self._name(cell), self.product.vendor, self._count(cell), 1, self._cost(cell))

    def _name(self, cell: _Cells) -> str:
        assert self.product is not None
        options = [cell(self.at.get(header_key(o))) for o in _OPTIONS]
        shown = [o for o in options if o and o != _NO_OPTIONS]
        return f"{self.product.title} - {' / '.join(shown)}" if shown else self.product.title

    def _count(self, cell: _Cells) -> object:
        count = cell(self.find["on_hand"])
        if not count:
            return 0
        if count.lstrip("-").isdigit() and count.startswith("-"):
            self.oversold += 1  # Shopify counts units sold past zero; none are on the shelf
            return 0
        return count

    def _cost(self, cell: _Cells) -> object:
        cost = cell(self.find["unit_cost"])
        if cost:
            return cost
        self.costless += 1
        return 0

    def notes(self) -> tuple[str, ...]:
        notes = []
        if self.costless:
            notes.append(
                f"{plural(self.costless, 'variant')} without a Cost per item: their PO lines "
                "cost 0 until you add it in Shopify and export again"
            )
        if self.oversold:
            notes.append(f"{plural(self.oversold, 'variant')} oversold in Shopify: 0 on hand")
        return tuple(notes)


class _Cells:
    """A CSV row's cells by index, stripped; an absent column or cell reads as ""."""

    def __init__(self, row: list[str]) -> None:
        self.row = row

    def __call__(self, index: int | None) -> str:
        if index is None or index >= len(self.row):
            return ""
        return self.row[index].strip()
