"""A CSV the bot cannot read at all is named as the CSV file it is, never as "workbook"."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import CatalogError
from storage.catalog_csv import read_catalog_file
from storage.catalog_workbook import read_catalog


def refusal(path: Path) -> str:
    with pytest.raises(CatalogError) as refused:
        read_catalog_file(path, {}, 7)
    return str(refused.value)


def test_a_csv_over_the_size_limit_is_called_a_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    with path.open("wb") as file:
        file.truncate(20 * 1024 * 1024 + 1)  # sparse: nothing is written
    assert "products.csv: the CSV file is larger than 20 MB" in refusal(path)
    assert "workbook" not in refusal(path)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"sku,name\0,supplier\n", "products.csv: the CSV file is not text; save it as CSV UTF-8"),
        (
            b"sku,name\nTUBE," + b"x" * 200_000,
            "products.csv: the CSV file has a line no spreadsheet",
        ),
    ],
)
def test_a_csv_that_cannot_be_read_is_called_a_csv_file(
    tmp_path: Path, content: bytes, said: str
) -> None:
    path = tmp_path / "products.csv"
    path.write_bytes(content)
    assert said in refusal(path) and "workbook" not in refusal(path)


def test_a_csv_that_cannot_be_opened_is_called_a_csv_file(tmp_path: Path) -> None:
    assert "nothing.csv: the CSV file could not be opened" in refusal(tmp_path / "nothing.csv")


def test_a_workbook_over_the_size_limit_is_still_called_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "catalog.xlsx"
    with path.open("wb") as file:
        file.truncate(20 * 1024 * 1024 + 1)
    with pytest.raises(CatalogError, match="workbook"):
        read_catalog(path)
