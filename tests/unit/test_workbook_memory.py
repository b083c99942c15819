"""A catalog workbook is read in under 300 MB whatever its text: wide characters, long cells,
columns the catalog ignores. Each file is read in a child process whose peak memory is measured.
"""

from __future__ import annotations

import random
import string
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter

from domain.errors import CatalogError
from storage import workbook_limits as limits
from storage.catalog_workbook import read_catalog
from tests.unit.hostile_xlsx import (
    PRODUCT_HEADER,
    read_in_child,
    row,
    sheet,
    with_shared_strings,
    write_xlsx,
)

PEAK_MB = 300
EMOJI = "\U0001f600"  # one is enough to make Python keep a whole text at 4 bytes a character
LONGEST = 32_641  # characters: a cell Excel could hold, 26 of them within the scan's row bound


def long_texts(count: int, seed: int) -> Iterable[str]:
    """Texts of LONGEST characters ending in an emoji, packing about 30 to 1 (not a zip bomb)."""
    letters = random.Random(seed)
    for _ in range(count):
        chunk = "".join(letters.choices(string.ascii_letters, k=1_000))
        yield (chunk * 33)[: LONGEST - 1] + EMOJI


def text_cells(number: int, first: int, last: int, seed: int) -> str:
    """Inline long texts in columns `first` to `last` (1 is A) of row `number`."""
    texts = long_texts(last - first + 1, seed)
    return "".join(
        f'<c r="{get_column_letter(column)}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
        for column, text in zip(range(first, last + 1), texts, strict=True)
    )


def test_emoji_texts_in_columns_the_catalog_ignores_read_in_under_300_mb(tmp_path: Path) -> None:
    """The attack on the old reader: 200 good rows, G to AF full of emoji texts (745 MB)."""
    rows = (
        row(n, [f"SKU-{n}", f"Product {n}", "Acme", 1, 1, 2.5], text_cells(n, 7, 32, n))
        for n in range(2, 202)
    )
    path = write_xlsx(tmp_path / "notes.xlsx", sheet([row(1, PRODUCT_HEADER), *rows], "A1:AF201"))
    assert path.stat().st_size < 10 * 1024 * 1024

    outcome = read_in_child(path)

    assert outcome.get("products") == 200, outcome
    assert float(outcome["peak_mb"]) < PEAK_MB  # type: ignore[arg-type]


def test_emoji_texts_in_every_catalog_column_are_refused_per_cell_in_under_300_mb(
    tmp_path: Path,
) -> None:
    rows = (f'<row r="{n}">{text_cells(n, 1, 6, n)}</row>' for n in range(2, 872))
    path = write_xlsx(tmp_path / "long.xlsx", sheet([row(1, PRODUCT_HEADER), *rows], "A1:F871"))

    outcome = read_in_child(path)

    d, e, f = (f'"{text[:60]}..." (32,641 characters)' for text in list(long_texts(6, 2))[3:])
    assert outcome["problems"][:6] == [  # type: ignore[index]
        "Products, row 2, column A (sku): is 32,641 characters long; at most 100 fit",
        "Products, row 2, column B (name): is 32,641 characters long; at most 500 fit",
        "Products, row 2, column C (supplier): is 32,641 characters long; at most 200 fit",
        f"Products, row 2, column D (on_hand): {d} is not a whole number",
        f"Products, row 2, column E (case_pack): {e} is not a whole number",
        f"Products, row 2, column F (unit_cost): {f} is not a number",
    ], outcome
    assert float(outcome["peak_mb"]) < PEAK_MB  # type: ignore[arg-type]


def test_more_catalog_text_than_the_limit_is_refused_at_the_row_that_passes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "Product " + "x" * 40 + EMOJI
    rows = (row(n, [f"SKU-{n}", name, "Acme", 1, 1, 2.5]) for n in range(2, 10_002))
    path = write_xlsx(tmp_path / "wordy.xlsx", sheet([row(1, PRODUCT_HEADER), *rows]))
    monkeypatch.setattr(limits, "MAX_HELD_TEXT_BYTES", 1024 * 1024)
    # The name alone takes 272 bytes: 49 characters at 4 bytes each, as its emoji needs.
    held = sys.getsizeof("Acme") + sys.getsizeof("orders@acme.test")  # the Suppliers sheet
    for last in range(2, 10_002):
        held += sum(sys.getsizeof(text) for text in (f"SKU-{last}", name, "Acme"))
        if held > 1024 * 1024:
            break

    with pytest.raises(CatalogError) as refused:
        read_catalog(path)

    assert [str(problem) for problem in refused.value.problems] == [
        f"Products, row {last}: takes the catalog's text past 1 MB, the most "
        "read (a character such as an emoji takes up to 4 bytes); shorten the texts or split "
        "the file in two"
    ]


@pytest.mark.parametrize(("widest", "refused"), [("x", False), (EMOJI, True)])
def test_shared_strings_are_bounded_by_the_memory_their_characters_take(
    widest: str, refused: bool, tmp_path: Path
) -> None:
    """250,000 texts of 40 characters: 10 MB in ASCII, 40 MB with one emoji in each."""
    strings = (f"{n:039d}{widest}" for n in range(250_000))
    path = with_shared_strings(tmp_path / "strings.xlsx", strings)

    if refused:
        with pytest.raises(CatalogError) as error:
            read_catalog(path)
        assert [str(problem) for problem in error.value.problems] == [
            "workbook: the file has too much text in xl/sharedStrings.xml to be a catalog"
        ]
    else:
        assert len(read_catalog(path).products) == 1


def largest_products() -> Iterable[str]:
    """100,000 rows whose kept text just fits MAX_HELD_TEXT_BYTES, emoji-wide, then blank rows."""
    room = limits.MAX_HELD_TEXT_BYTES // limits.MAX_PRODUCTS - 2 * sys.getsizeof("Acme")
    sku_size = sys.getsizeof(f"{0:020d}{EMOJI}")
    name_chars = (room - sku_size - (sys.getsizeof(EMOJI) - 4)) // 4
    yield row(1, PRODUCT_HEADER)
    for n in range(2, limits.MAX_PRODUCTS + 2):
        name = f"Product {n} ".ljust(name_chars - 1, "x") + EMOJI
        yield row(n, [f"{n:020d}{EMOJI}", name, "Acme", 1, 1, 2.5])
    yield from (f'<row r="{n}"/>' for n in range(limits.MAX_PRODUCTS + 2, limits.MAX_SHEET_ROWS))


def test_the_largest_catalog_the_limits_allow_reads_in_under_300_mb(tmp_path: Path) -> None:
    """Every text bound filled with emoji-wide text: shared strings no row uses, then products."""
    chars = limits.MAX_SHARED_TEXT_BYTES // 4 // limits.MAX_SHARED_STRINGS
    strings = (f"{n:0{chars - 1}d}{EMOJI}" for n in range(limits.MAX_SHARED_STRINGS))
    products = sheet(largest_products(), "A1:F200000")
    path = with_shared_strings(tmp_path / "largest.xlsx", strings, products)

    outcome = read_in_child(path, timeout=180)

    assert outcome.get("products") == limits.MAX_PRODUCTS, outcome
    assert float(outcome["peak_mb"]) < PEAK_MB  # type: ignore[arg-type]


def test_a_bad_cell_in_every_column_of_every_row_is_refused_in_under_300_mb(
    tmp_path: Path,
) -> None:
    """600,000 problems, a bad value in every cell: only the hundred shown are kept."""
    bad = ["x" * 20, "y" * 20, "z" * 20]
    rows = (
        row(n, [f"{'K' * 90}{n:011d}", "N" * 1001, "Nobody", *bad])
        for n in range(2, limits.MAX_PRODUCTS + 2)
    )
    path = write_xlsx(tmp_path / "bad.xlsx", sheet([row(1, PRODUCT_HEADER), *rows], "A1:F100001"))

    outcome = read_in_child(path, timeout=180)

    assert outcome["problems"][-1] == "workbook: ... and 599,900 more problems", outcome  # type: ignore[index]
    assert float(outcome["peak_mb"]) < PEAK_MB  # type: ignore[arg-type]
