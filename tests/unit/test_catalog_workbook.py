"""Reading the catalog workbook: what imports, and what a user is told when it does not."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from domain.errors import CatalogError
from storage.catalog_workbook import read_catalog

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "catalog.xlsx"

SUPPLIER_HEADER = ["supplier", "email", "lead_time_days", "min_order_qty"]
PRODUCT_HEADER = ["sku", "name", "supplier", "on_hand", "case_pack", "unit_cost"]
SUPPLIERS = [
    ["Velo Parts", "orders@velo.example", 5, 0],
    ["Northern Cycle", None, 14, 24],
]
PRODUCTS = [
    ["BK-TUBE-700", "Inner tube 700c", "Velo Parts", 3, 12, 3.45],
    ["BK-CHAIN-11", "11-speed chain", "Northern Cycle", 0, 6, 18.9],
]

Rows = list[list[object]]


def write_workbook(path: Path, sheets: dict[str, Rows]) -> Path:
    """Save a workbook with one sheet per entry, rows as given."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def write_catalog(
    tmp_path: Path, suppliers: Rows | None = None, products: Rows | None = None
) -> Path:
    """A catalog with the standard headers and the given (or the good default) rows."""
    return write_workbook(
        tmp_path / "catalog.xlsx",
        {
            "Suppliers": [SUPPLIER_HEADER, *(SUPPLIERS if suppliers is None else suppliers)],
            "Products": [PRODUCT_HEADER, *(PRODUCTS if products is None else products)],
        },
    )


def problems_reading(path: Path) -> list[str]:
    """The problems a user is shown for a refused workbook, one line each."""
    with pytest.raises(CatalogError) as refused:
        read_catalog(path)
    return [str(problem) for problem in refused.value.problems]


def product_row(**changes: object) -> list[object]:
    """A good product row with some cells changed by column name."""
    good = ["BK-LIGHT-USB", "USB light", "Velo Parts", 4, 6, 14.3]
    row = dict(zip(PRODUCT_HEADER, good, strict=True))
    row.update(changes)
    return list(row.values())


# --- what imports ---


def test_the_example_catalog_reads_with_all_its_suppliers_and_products() -> None:
    catalog = read_catalog(EXAMPLE)

    assert len(catalog.suppliers) == 3
    assert len(catalog.products) == 12
    skus = [product.sku for product in catalog.products]
    assert {"BK-TUBE-700", "BK-CHAIN-11", "BK-LIGHT-USB", "40012"} <= set(skus)
    assert [supplier.email is None for supplier in catalog.suppliers].count(True) == 1


def test_a_good_catalog_reads_in_sheet_order_with_exact_costs(tmp_path: Path) -> None:
    catalog = read_catalog(write_catalog(tmp_path))

    assert [s.name for s in catalog.suppliers] == ["Velo Parts", "Northern Cycle"]
    assert catalog.suppliers[1].email is None
    assert catalog.suppliers[1].lead_time_days == 14
    assert [p.sku for p in catalog.products] == ["BK-TUBE-700", "BK-CHAIN-11"]
    assert catalog.products[0].unit_cost == Decimal("3.45")
    assert catalog.products[1].unit_cost == Decimal("18.90")


def test_a_numeric_sku_reads_as_its_digits_without_a_decimal_point(tmp_path: Path) -> None:
    products = [product_row(sku=40012), product_row(sku=12345.0), product_row(sku="  BK-9 ")]

    catalog = read_catalog(write_catalog(tmp_path, products=products))

    assert [p.sku for p in catalog.products] == ["40012", "12345", "BK-9"]


def test_headers_and_sheet_names_in_any_case_with_extra_columns_are_accepted(
    tmp_path: Path,
) -> None:
    path = write_workbook(
        tmp_path / "catalog.xlsx",
        {
            "Notes": [["anything at all"]],
            "SUPPLIERS": [
                ["Supplier", "Rep", " EMAIL ", "Lead_Time_Days", "MIN_ORDER_QTY"],
                ["Velo Parts", "Sam", "sam@velo.example", 5, 0],
            ],
            "products": [
                ["Notes", "UNIT_COST", "Case_Pack", "On_Hand", "Supplier", "Name", "SKU"],
                ["reorder soon", 2.5, 6, 1, "Velo Parts", "Brake pads", "BK-PADS"],
            ],
        },
    )

    catalog = read_catalog(path)

    assert catalog.suppliers[0].email == "sam@velo.example"
    product = catalog.products[0]
    assert (product.sku, product.name, product.supplier) == ("BK-PADS", "Brake pads", "Velo Parts")
    assert (product.on_hand, product.case_pack, product.unit_cost) == (1, 6, Decimal("2.5"))


def test_a_products_supplier_is_matched_in_any_case_and_kept_as_on_the_suppliers_sheet(
    tmp_path: Path,
) -> None:
    catalog = read_catalog(write_catalog(tmp_path, products=[product_row(supplier="VELO parts")]))

    assert catalog.products[0].supplier == "Velo Parts"


def test_an_empty_case_pack_means_the_product_is_bought_singly(tmp_path: Path) -> None:
    catalog = read_catalog(write_catalog(tmp_path, products=[product_row(case_pack=None)]))

    assert catalog.products[0].case_pack == 1


@pytest.mark.parametrize("typed", [7, 7.0, "7", " 7 "], ids=repr)
def test_a_whole_number_may_be_typed_as_a_number_or_as_text(typed: object, tmp_path: Path) -> None:
    catalog = read_catalog(write_catalog(tmp_path, products=[product_row(on_hand=typed)]))

    assert catalog.products[0].on_hand == 7


def test_a_cost_typed_as_text_is_read_exactly(tmp_path: Path) -> None:
    catalog = read_catalog(write_catalog(tmp_path, products=[product_row(unit_cost=" 4.99 ")]))

    assert catalog.products[0].unit_cost == Decimal("4.99")


def test_blank_rows_are_skipped_and_later_rows_keep_their_own_numbers(tmp_path: Path) -> None:
    products = [product_row(sku="A"), [], [None, "  ", None], product_row(sku="B", on_hand="x")]

    assert problems_reading(write_catalog(tmp_path, products=products)) == [
        'Products, row 5, column D (on_hand): "x" is not a whole number'
    ]


def test_blank_rows_alone_make_no_products_and_no_problems(tmp_path: Path) -> None:
    catalog = read_catalog(write_catalog(tmp_path, products=[product_row(sku="A"), [], []]))

    assert [p.sku for p in catalog.products] == ["A"]


# --- what is refused, and how the user is told ---


def test_a_missing_column_is_named_on_the_header_row(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "catalog.xlsx",
        {
            "Suppliers": [SUPPLIER_HEADER, *SUPPLIERS],
            "Products": [
                ["sku", "name", "supplier", "case_pack", "unit_cost"],
                ["BK-1", "Tube", "Velo Parts", 12, 3.45],
            ],
        },
    )

    assert problems_reading(path) == [
        "Products, row 1, column on_hand: is missing; add a column headed on_hand"
    ]


# (what is wrong, the changed cells, how the problem on row 3 reads)
BAD_PRODUCT_CELLS = [
    ("on_hand is text", {"on_hand": "abc"}, 'D (on_hand): "abc" is not a whole number'),
    ("on_hand is a fraction", {"on_hand": 2.5}, "D (on_hand): 2.5 is not a whole number"),
    ("on_hand is TRUE", {"on_hand": True}, "D (on_hand): TRUE is not a whole number"),
    ("on_hand is negative", {"on_hand": -2}, "D (on_hand): must be 0 or more, not -2"),
    ("on_hand is empty", {"on_hand": None}, "D (on_hand): is empty"),
    ("case_pack is 0", {"case_pack": 0}, "E (case_pack): must be 1 or more, not 0"),
    ("unit_cost is empty", {"unit_cost": None}, "F (unit_cost): is empty"),
    ("unit_cost is negative", {"unit_cost": -1.5}, "F (unit_cost): must be 0 or more, not -1.5"),
    ("unit_cost has a currency sign", {"unit_cost": "£4"}, 'F (unit_cost): "£4" is not a number'),
    ("sku is empty", {"sku": None}, "A (sku): is empty"),
    ("name is blank", {"name": " "}, "B (name): is empty"),
    ("sku became a date", {"sku": datetime(2024, 3, 12)}, "A (sku): 2024-03-12 is a date"),
    ("supplier is unknown", {"supplier": "Acme"}, 'C (supplier): supplier "Acme" is not on the'),
]


@pytest.mark.parametrize(
    ("changes", "expected"), [pytest.param(c, e, id=i) for i, c, e in BAD_PRODUCT_CELLS]
)
def test_a_bad_product_cell_is_reported_by_sheet_row_and_column(
    changes: dict[str, object], expected: str, tmp_path: Path
) -> None:
    products = [product_row(sku="BK-OK"), product_row(**changes)]

    problems = problems_reading(write_catalog(tmp_path, products=products))

    assert len(problems) == 1
    assert problems[0].startswith(f"Products, row 3, column {expected}")


# (what is wrong, the added supplier row, how the problem on row 4 reads)
BAD_SUPPLIER_ROWS = [
    ("email has no @", ["Acme", "sales at acme", 5, 0], 'B (email): "sales at acme" is not an'),
    ("email starts with @", ["Acme", "@acme.example", 5, 0], 'B (email): "@acme.example" is not'),
    ("lead time is a word", ["Acme", None, "two", 0], 'C (lead_time_days): "two" is not a whole'),
    ("min order is negative", ["Acme", None, 5, -1], "D (min_order_qty): must be 0 or more"),
    ("name is empty", [None, None, 5, 0], "A (supplier): is empty"),
]


@pytest.mark.parametrize(
    ("row", "expected"), [pytest.param(r, e, id=i) for i, r, e in BAD_SUPPLIER_ROWS]
)
def test_a_bad_supplier_cell_is_reported_by_sheet_row_and_column(
    row: list[object], expected: str, tmp_path: Path
) -> None:
    problems = problems_reading(write_catalog(tmp_path, suppliers=[*SUPPLIERS, row]))

    assert len(problems) == 1
    assert problems[0].startswith(f"Suppliers, row 4, column {expected}")


def test_a_duplicate_sku_names_both_rows(tmp_path: Path) -> None:
    products = [product_row(sku="40012"), product_row(sku="BK-2"), product_row(sku=40012)]

    assert problems_reading(write_catalog(tmp_path, products=products)) == [
        'Products, row 4, column A (sku): SKU "40012" is used twice; also on row 2'
    ]


def test_a_supplier_listed_twice_in_any_case_names_both_rows(tmp_path: Path) -> None:
    suppliers = [*SUPPLIERS, ["VELO PARTS", None, 3, 0]]

    assert problems_reading(write_catalog(tmp_path, suppliers=suppliers)) == [
        'Suppliers, row 4, column A (supplier): supplier "VELO PARTS" is listed twice;'
        " also on row 2"
    ]


def test_a_missing_sheet_is_named(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "catalog.xlsx", {"Suppliers": [SUPPLIER_HEADER, *SUPPLIERS]})

    assert problems_reading(path) == ["Products: there is no sheet named Products"]


@pytest.mark.parametrize("name", ["catalog.xlsx", "catalog.csv", "catalog"])
def test_a_file_that_is_not_a_workbook_is_refused_with_one_plain_problem(
    name: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_text("sku,name,supplier\nBK-1,Tube,Velo Parts\n")

    problems = problems_reading(path)

    assert len(problems) == 1
    assert "not an .xlsx workbook" in problems[0]


def test_a_workbook_saved_without_the_xlsx_ending_still_reads(tmp_path: Path) -> None:
    upload = tmp_path / "upload"
    upload.write_bytes(EXAMPLE.read_bytes())

    assert len(read_catalog(upload).products) == 12


def test_every_problem_in_both_sheets_is_reported_in_sheet_and_row_order(tmp_path: Path) -> None:
    suppliers = [*SUPPLIERS, ["Acme", "nobody", 5, 0]]
    products = [
        product_row(sku="A", supplier="Nowhere"),
        product_row(sku="B", on_hand=-1, case_pack=0),
        product_row(sku="A"),
    ]

    problems = problems_reading(write_catalog(tmp_path, suppliers=suppliers, products=products))

    assert problems == [
        'Suppliers, row 4, column B (email): "nobody" is not an email address',
        'Products, row 2, column C (supplier): supplier "Nowhere" is not on the Suppliers sheet',
        "Products, row 3, column D (on_hand): must be 0 or more, not -1",
        "Products, row 3, column E (case_pack): must be 1 or more, not 0",
        'Products, row 4, column A (sku): SKU "A" is used twice; also on row 2',
    ]


def test_the_whole_import_is_refused_and_says_nothing_changed(tmp_path: Path) -> None:
    products = [product_row(sku="GOOD"), product_row(sku="BAD", on_hand="lots")]

    with pytest.raises(CatalogError) as refused:
        read_catalog(write_catalog(tmp_path, products=products))

    assert "nothing changed" in str(refused.value)
    assert '"lots" is not a whole number' in str(refused.value)


def test_products_of_a_supplier_with_a_bad_cell_are_not_also_called_unknown(
    tmp_path: Path,
) -> None:
    suppliers = [["Velo Parts", None, "soon", 0]]

    assert problems_reading(
        write_catalog(tmp_path, suppliers=suppliers, products=[product_row()])
    ) == ['Suppliers, row 2, column C (lead_time_days): "soon" is not a whole number']


def test_a_flood_of_problems_is_cut_at_one_hundred_with_a_count_of_the_rest(
    tmp_path: Path,
) -> None:
    products = [product_row(sku=f"SKU-{n}", on_hand="x") for n in range(130)]

    problems = problems_reading(write_catalog(tmp_path, products=products))

    assert len(problems) == 101
    assert problems[0].startswith("Products, row 2, column D (on_hand)")
    assert problems[-1] == "workbook: ... and 30 more problems"


def test_an_absurdly_large_quantity_is_refused_before_it_reaches_the_database(
    tmp_path: Path,
) -> None:
    path = write_catalog(tmp_path, products=[product_row(on_hand=10**12)])
    [problem] = problems_reading(path)
    assert "on_hand" in problem and "too large" in problem


# --- values must fit the database columns (PostgreSQL refuses longer ones) ---


def test_texts_longer_than_their_database_columns_are_refused_naming_cell_and_limit(
    tmp_path: Path,
) -> None:
    suppliers = [*SUPPLIERS, ["S" * 201, "a@" + "e" * 319, 1, 0]]
    products = [product_row(sku="K" * 101, name="N" * 501)]

    problems = problems_reading(write_catalog(tmp_path, suppliers=suppliers, products=products))

    assert problems == [
        "Suppliers, row 4, column A (supplier): is 201 characters long; at most 200 fit",
        "Suppliers, row 4, column B (email): is 321 characters long; at most 320 fit",
        "Products, row 2, column A (sku): is 101 characters long; at most 100 fit",
        "Products, row 2, column B (name): is 501 characters long; at most 500 fit",
    ]


def test_texts_exactly_as_long_as_their_columns_are_accepted(tmp_path: Path) -> None:
    products = [product_row(sku="K" * 100, name="N" * 500)]

    [product] = read_catalog(write_catalog(tmp_path, products=products)).products

    assert (len(product.sku), len(product.name)) == (100, 500)


def test_a_cost_too_large_for_the_cost_column_is_refused(tmp_path: Path) -> None:
    products = [product_row(sku="A", unit_cost=99_999_999.99), product_row(sku="B", unit_cost=1e8)]

    problems = problems_reading(write_catalog(tmp_path, products=products))

    assert problems == [
        "Products, row 3, column F (unit_cost): 100000000 is too large (at most 99999999.9999)"
    ]


def test_a_number_typed_with_thousands_of_digits_is_too_large_not_a_crash(tmp_path: Path) -> None:
    digits = "9" * 5_000
    products = [product_row(on_hand=digits, unit_cost=digits)]

    problems = problems_reading(write_catalog(tmp_path, products=products))

    assert problems == [
        f'Products, row 2, column D (on_hand): "{"9" * 60}..." (5,000 characters) is too large '
        "(at most 10,000,000)",
        f'Products, row 2, column F (unit_cost): "{"9" * 60}..." (5,000 characters) is too large '
        "(at most 99999999.9999)",
    ]


# --- numbers must be ones a small retailer could mean (dates and sums are computed from them) ---


@pytest.mark.parametrize(
    ("sheet", "column", "largest"),
    [
        ("Suppliers", "C (lead_time_days)", 365),
        ("Suppliers", "D (min_order_qty)", 1_000_000),
        ("Products", "D (on_hand)", 10_000_000),
        ("Products", "E (case_pack)", 100_000),
    ],
)
def test_a_number_past_its_columns_limit_is_refused_naming_sheet_row_column_and_limit(
    sheet: str, column: str, largest: int, tmp_path: Path
) -> None:
    suppliers, products = [list(row) for row in SUPPLIERS], [product_row()]
    cells = suppliers[0] if sheet == "Suppliers" else products[0]
    cells["ABCDEF".index(column[0])] = largest + 1

    problems = problems_reading(write_catalog(tmp_path, suppliers=suppliers, products=products))

    assert problems == [
        f"{sheet}, row 2, column {column}: {largest + 1} is too large (at most {largest:,})"
    ]


def test_numbers_at_their_columns_limits_are_accepted(tmp_path: Path) -> None:
    suppliers = [["Velo Parts", None, 365, 1_000_000]]
    products = [product_row(on_hand=10_000_000, case_pack=100_000)]

    catalog = read_catalog(write_catalog(tmp_path, suppliers=suppliers, products=products))

    supplier, product = catalog.suppliers[0], catalog.products[0]
    assert (supplier.lead_time_days, supplier.min_order_qty) == (365, 1_000_000)
    assert (product.on_hand, product.case_pack) == (10_000_000, 100_000)


def test_a_lead_time_of_three_million_days_is_refused_not_stored_to_break_approving(
    tmp_path: Path,
) -> None:
    """It was accepted, then every Approve and the digest failed: date value out of range."""
    suppliers = [["Velo Parts", "orders@velo.example", 3_000_000, 0]]

    problems = problems_reading(write_catalog(tmp_path, suppliers=suppliers, products=[]))

    assert problems == [
        "Suppliers, row 2, column C (lead_time_days): 3000000 is too large (at most 365)"
    ]
