"""`python -m bot import FILE` with the files shops really have: Excel's Strict workbooks,
workbooks a script wrote, damaged or password-protected ones, and Shopify's product export."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from bot.facade import Backorders
from storage.catalog_csv import known_suppliers
from storage.db import Database
from tests.e2e.test_cli import bot_command, write_catalog
from tests.unit.hostile_xlsx import encrypted_workbook, strict_catalog, with_shared_strings

ROOT = Path(__file__).resolve().parents[2]
SHOPIFY_TEMPLATE = ROOT / "tests" / "fixtures" / "shopify" / "product_template.csv"


def refused(path: Path, database: Database) -> str:
    """What the operator reads when the import is refused: exit 2, no traceback."""
    result = bot_command("import", str(path), env={"DATABASE_URL": database.url})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert Backorders(database).overview().suppliers == ()
    return result.stderr


def test_a_workbook_excel_saved_as_strict_open_xml_imports(
    database: Database, tmp_path: Path
) -> None:
    path = strict_catalog(
        tmp_path / "strict.xlsx",
        [
            ["sku", "name", "supplier", "on_hand", "case_pack", "unit_cost"],
            ["TUBE", "Inner tube", "Acme", 5, 1, 3.2],
            ["CHAIN", "Chain", "Acme", 2, 10, 9],
        ],
    )

    result = bot_command("import", str(path), env={"DATABASE_URL": database.url})

    assert result.returncode == 0, result.stderr
    assert "2 products added" in result.stdout
    assert Backorders(database).sku("CHAIN").on_hand == 2


def test_a_formula_saved_without_its_value_is_named_as_a_formula(
    database: Database, tmp_path: Path
) -> None:
    # openpyxl, like many scripts and exporters, writes formulas without computing them.
    path = write_catalog(
        tmp_path / "formulas.xlsx", [["TUBE", "Inner tube", "Acme", 5, 1, "=D2*2"]]
    )

    stderr = refused(path, database)

    assert (
        "Products, row 2, column F (unit_cost): holds a formula with no saved value: "
        "open and save it in Excel, or paste values"
    ) in stderr
    assert "is empty" not in stderr


def test_a_workbook_whose_table_of_texts_cannot_be_read_is_refused_in_words(
    database: Database, tmp_path: Path
) -> None:
    path = with_shared_strings(tmp_path / "sst.xlsx", ["Acme</t></si><si><t>&bad;"])

    stderr = refused(path, database)

    assert "the file is damaged: its table of texts (xl/sharedStrings.xml) cannot be read" in stderr
    assert "open it in Excel and save it again" in stderr


def test_a_password_protected_workbook_is_called_that(database: Database, tmp_path: Path) -> None:
    stderr = refused(encrypted_workbook(tmp_path / "locked.xlsx"), database)

    assert "the file is password-protected: save a copy without a password" in stderr
    assert "not an .xlsx workbook" not in stderr


def test_shopifys_product_export_imports_as_a_catalog_in_one_command(database: Database) -> None:
    env = {"DATABASE_URL": database.url}

    first = bot_command("import", str(SHOPIFY_TEMPLATE), env=env)
    again = bot_command("import", str(SHOPIFY_TEMPLATE), env=env)

    assert first.returncode == 0, first.stderr
    assert "1 supplier, 16 products added, 0 updated" in first.stdout
    assert "12 variants without a Cost per item" in first.stdout
    assert "0 products added, 16 updated" in again.stdout
    backorders = Backorders(database)
    shirt = backorders.sku("SRT_COT_122")  # a variant row: no Title, the product above's
    assert (shirt.name, shirt.supplier, shirt.on_hand) == ("Example T-Shirt - Green / M", "Acme", 0)
    assert backorders.sku("PNT_DEN_305").on_hand == 15
    assert known_suppliers(database)["acme"].email is None


def test_a_shopify_vendor_already_in_the_catalog_keeps_its_terms(
    database: Database, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database.url}
    workbook = write_catalog(tmp_path / "catalog.xlsx", [["TUBE", "Inner tube", "Acme", 5, 1, 3]])
    assert bot_command("import", str(workbook), env=env).returncode == 0

    result = bot_command("import", str(SHOPIFY_TEMPLATE), env=env)

    assert result.returncode == 0, result.stderr
    assert "New suppliers" not in result.stdout
    acme = known_suppliers(database)["acme"]
    assert (acme.email, acme.lead_time_days) == ("orders@acme.test", 7)


def test_a_csv_of_the_products_columns_imports_with_headers_as_people_type_them(
    database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "products.csv"
    path.write_text(
        "SKU;Name;Supplier;On Hand;Case_Pack;Unit cost\nTUBE;Inner tube;Velo Ltd;4;1;2,5\n"
        "BELL;Bell;Velo Ltd;lots;1;3\n",
        encoding="utf-8-sig",
    )

    stderr = refused(path, database)

    assert 'products.csv, row 2, column F (unit_cost): "2,5" is not a number' in stderr
    assert 'products.csv, row 3, column D (on_hand): "lots" is not a whole number' in stderr
    path.write_text(
        "SKU,Name,Supplier,On Hand,Case_Pack,Unit cost\nTUBE,Inner tube,Velo Ltd,4,1,2.5\n"
    )
    result = bot_command("import", str(path), env={"DATABASE_URL": database.url})
    assert result.returncode == 0, result.stderr
    assert "New suppliers, with app.yaml's terms (no email, 7-day lead time): Velo Ltd" in (
        result.stdout
    )
    assert Backorders(database).sku("TUBE").on_hand == 4


def test_workbook_headers_match_whatever_their_case_spaces_or_underscores(
    database: Database, tmp_path: Path
) -> None:
    book = Workbook()
    suppliers = book.active
    suppliers.title = "Suppliers"
    suppliers.append(["Supplier", "E-mail", "Lead time days", "MIN ORDER QTY", "email"])
    suppliers.append(["Acme", None, 3, 0, "orders@acme.test"])
    products = book.create_sheet("Products")
    products.append(["SKU", "Name", "Supplier", "On hand", "case pack", "Unit_Cost"])
    products.append(["TUBE", "Inner tube", "Acme", 5, 1, 3.2])
    book.save(tmp_path / "people.xlsx")

    result = bot_command(
        "import", str(tmp_path / "people.xlsx"), env={"DATABASE_URL": database.url}
    )

    assert result.returncode == 0, result.stderr
    assert known_suppliers(database)["acme"].lead_time_days == 3
