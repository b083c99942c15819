"""Workbooks built to hurt: each is refused with a plain problem, or read in bounded memory."""

from __future__ import annotations

import random
import string
import tempfile
import tracemalloc
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import CatalogError
from storage.catalog_workbook import read_catalog
from tests.unit.hostile_xlsx import (
    MAIN,
    PRODUCT_HEADER,
    Mutation,
    content_types,
    mutated,
    read_in_child,
    row,
    sheet,
    with_shared_strings,
    write_xlsx,
)

PEAK_MB = 300
GOOD_ROW = ["TUBE", "Inner tube", "Acme", 1, 1, 2.5]
NOT_XLSX = (
    "workbook: the file is not an .xlsx workbook; save it as Excel Workbook (.xlsx) and try again"
)


def problems(path: Path) -> list[str]:
    with pytest.raises(CatalogError) as refused:
        read_catalog(path)
    return [str(problem) for problem in refused.value.problems]


def products_sheet(*rows: str, dimension: str = "A1:F2", ns: str = MAIN) -> Iterable[str]:
    return sheet([row(1, PRODUCT_HEADER), *rows], dimension, ns)


def test_25000_rows_reaching_column_xfd_under_a_lying_dimension_read_in_bounded_memory(
    tmp_path: Path,
) -> None:
    note = '<c r="XFD{n}" t="inlineStr"><is><t>see note</t></is></c>'
    rows = (
        row(n, [f"SKU-{n}", f"Product {n}", "Acme", 1, 1, 2.5], note.format(n=n))
        for n in range(2, 25_002)
    )
    path = write_xlsx(tmp_path / "wide.xlsx", products_sheet(*rows, dimension="A1:XFD1048576"))
    assert path.stat().st_size < 1024 * 1024

    outcome = read_in_child(path)

    assert outcome.get("products") == 25_000, outcome
    assert float(outcome["peak_mb"]) < PEAK_MB  # type: ignore[arg-type]


def test_a_30_mb_product_name_packed_into_kilobytes_is_refused_as_a_zip_bomb(
    tmp_path: Path,
) -> None:
    name = row(2, ["TUBE", "x" * 30_000_000, "Acme", 1, 1, 2.5])
    path = write_xlsx(tmp_path / "bomb.xlsx", products_sheet(name))
    assert path.stat().st_size < 100 * 1024

    outcome = read_in_child(path)

    [problem] = outcome["problems"]  # type: ignore[misc]
    assert problem.startswith("workbook: the file unpacks xl/worksheets/sheet2.xml to 1,0")
    assert problem.endswith(" times its size (a zip bomb)")
    assert float(outcome["peak_mb"]) < PEAK_MB  # type: ignore[arg-type]


def test_a_text_longer_than_any_spreadsheet_cell_is_refused_naming_the_cell(
    tmp_path: Path,
) -> None:
    name = "".join(random.Random(1).choices(string.ascii_letters, k=40_000))
    path = write_xlsx(
        tmp_path / "long.xlsx", products_sheet(row(2, ["TUBE", name, "Acme", 1, 1, 2]))
    )

    assert problems(path) == [
        "workbook: the file holds a text of more than 32,767 characters (cell B2 in "
        "xl/worksheets/sheet2.xml), more than a spreadsheet cell can hold"
    ]


def test_a_billion_laughs_workbook_is_refused_before_any_entity_is_expanded(
    tmp_path: Path,
) -> None:
    entities = '<!ENTITY a "ha">' + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    laughs = f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
    rows = [
        row(1, PRODUCT_HEADER),
        '<row r="2"><c r="A2" t="inlineStr"><is><t>&i;</t></is></c></row>',
    ]
    path = write_xlsx(tmp_path / "laughs.xlsx", [laughs, *sheet(rows)])

    assert problems(path) == [
        "workbook: the file declares a DTD in xl/worksheets/sheet2.xml; workbooks never do"
    ]


def test_data_past_the_last_catalog_row_is_refused_naming_the_row(tmp_path: Path) -> None:
    rows = [row(2, GOOD_ROW), row(100_002, ["LATE", "Late", "Acme", 1, 1, 1])]
    path = write_xlsx(tmp_path / "late.xlsx", products_sheet(*rows))

    assert problems(path) == [
        "Products, row 100002: is past row 100,001, the last one read; a catalog holds at most "
        "100,000 products, so split it into two files"
    ]


def test_a_row_past_excels_last_is_refused_rather_than_left_out(tmp_path: Path) -> None:
    rows = [row(2, GOOD_ROW), row(5_000_000, ["LOST", "Lost", "Acme", 1, 1, 1])]
    path = write_xlsx(tmp_path / "beyond.xlsx", products_sheet(*rows))

    assert problems(path) == [
        "workbook: the file has a row past 1,048,576 in xl/worksheets/sheet2.xml to be a catalog"
    ]


def test_a_shared_strings_table_larger_than_a_catalog_needs_is_refused(tmp_path: Path) -> None:
    path = with_shared_strings(tmp_path / "strings.xlsx", (f"s{n}" for n in range(300_001)))

    assert problems(path) == [
        "workbook: the file has too many rows or strings in xl/sharedStrings.xml to be a catalog"
    ]


def test_a_huge_part_posing_as_the_styles_is_refused_before_openpyxl_parses_it_whole(
    tmp_path: Path,
) -> None:
    styles = "".join(sheet(f'<row r="{n}"/>' for n in range(1, 150_000)))
    path = write_xlsx(
        tmp_path / "styles.xlsx", products_sheet(row(2, GOOD_ROW)), extra={"xl/styles.xml": styles}
    )

    assert problems(path) == [
        "workbook: the file has a part too large to read (xl/styles.xml, 2.3 MB)"
    ]


def test_sheets_in_a_foreign_namespace_have_no_columns_rather_than_a_traceback(
    tmp_path: Path,
) -> None:
    foreign = "urn:not-spreadsheetml"
    path = write_xlsx(tmp_path / "foreign.xlsx", products_sheet(row(2, GOOD_ROW), ns=foreign))

    assert "Products, row 1, column sku: is missing; add a column headed sku" in problems(path)


def test_a_package_whose_content_types_are_in_a_foreign_namespace_reads_by_its_relationships(
    tmp_path: Path,
) -> None:
    # This test once passed its content types as the Suppliers sheet (a positional slip), so it
    # proved only that a damaged sheet is refused; openpyxl finds parts by their relationships.
    types = content_types().replace("package/2006/content-types", "package/2006/other")
    path = write_xlsx(
        tmp_path / "types.xlsx",
        products_sheet(row(2, GOOD_ROW)),
        extra={"[Content_Types].xml": types},
    )

    assert [product.sku for product in read_catalog(path).products] == ["TUBE"]


def test_a_sheet_that_is_not_xml_is_refused_as_damaged_naming_the_part(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "damaged.xlsx", products_sheet(row(2, GOOD_ROW)), ["<row"])

    assert problems(path) == [
        "workbook: the file is damaged: its sheet (xl/worksheets/sheet1.xml) cannot be read "
        "(unclosed token: line 1, column 0); open it in Excel and save it again"
    ]


@pytest.mark.parametrize("content", [b"sku,name\nTUBE,Inner tube\n", b"", b"PK\x05\x06"])
def test_a_file_that_is_no_zip_is_refused_in_one_sentence(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "catalog.xlsx"
    path.write_bytes(content)

    assert problems(path) == [NOT_XLSX]


def test_a_truncated_workbook_is_refused_as_not_a_workbook(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", products_sheet(row(2, GOOD_ROW)))
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:-30])

    assert problems(cut)[0].startswith("workbook: the file is not an .xlsx workbook")


def test_a_part_packed_with_a_method_excel_never_uses_is_refused(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", products_sheet(row(2, GOOD_ROW)))
    path = tmp_path / "lzma.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_LZMA) as copy:
        for info in source.infolist():
            copy.writestr(info.filename, source.read(info))

    assert problems(path) == [
        "workbook: the file is packed in a way spreadsheet programs do not use"
    ]


def test_a_zip_listing_thousands_of_parts_is_refused_before_they_are_listed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(5_000):
            archive.writestr(f"junk/{n}", b"")

    assert problems(path) == ["workbook: the file has more than 1,000 parts; a workbook has a few"]


def test_a_file_larger_than_the_limit_is_refused_without_being_opened_as_a_zip(
    tmp_path: Path,
) -> None:
    path = tmp_path / "big.xlsx"
    with path.open("wb") as file:
        file.truncate(21 * 1024 * 1024)

    assert problems(path) == ["workbook: the file is 21.0 MB; at most 20.0 MB is read"]


# --- fuzzing: whatever the bytes, the answer is a catalog or a CatalogError ---

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "catalog.xlsx"


@given(
    mutations=st.lists(
        st.tuples(
            st.sampled_from(["flip", "truncate", "reorder", "xml"]),
            st.integers(0, 10**6),
            st.integers(0, 255),
            st.integers(0, 10**6),
        ),
        min_size=1,
        max_size=4,
    )
)
@settings(max_examples=40, deadline=None, database=None)
def test_a_fuzzed_catalog_reads_or_is_refused_in_words_within_bounded_memory(
    mutations: list[Mutation],
) -> None:
    data = EXAMPLE.read_bytes()
    # Edits that unpack and repack the zip go first; byte edits after them may break it.
    for mutation in sorted(mutations, key=lambda m: m[0] in ("flip", "truncate")):
        data = mutated(data, mutation) if data else data
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.xlsx"
        path.write_bytes(data)
        tracemalloc.start()
        try:
            read_catalog(path)
        except CatalogError as error:
            assert error.problems and all(str(problem) for problem in error.problems)
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    assert peak < 50 * 1024 * 1024
