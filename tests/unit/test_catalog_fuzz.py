"""Whatever a package or a CSV holds, importing it gives a catalog or problems in words.

The CLI turns a `CatalogError` into its message and exit code 2; anything else would be a
traceback and exit 1. Hypothesis builds packages part by part: real parts of Excel's and
openpyxl's workbooks (Transitional and Strict), those parts cut short, random bytes, and XML
trees of SpreadsheetML's own element and attribute names in its namespaces.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import CatalogError
from storage.catalog_csv import read_catalog_file
from tests.unit.hostile_xlsx import EXCEL_STRICT, MAIN, STRICT_MAIN

ROOT = Path(__file__).resolve().parents[2]


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


REAL = _parts(ROOT / "examples" / "catalog.xlsx") | {
    f"strict/{name}": content for name, content in _parts(EXCEL_STRICT).items()
}
NAMES = sorted({name.removeprefix("strict/") for name in REAL})
ELEMENTS = ["worksheet", "sheetData", "row", "c", "v", "f", "is", "t", "si", "sst", "workbook"]
ELEMENTS += ["sheets", "sheet", "Relationships", "Relationship", "Types", "Override", "Default"]
ATTRIBUTES = ["r", "t", "s", "name", "sheetId", "Id", "Type", "Target", "PartName", "ContentType"]
NAMESPACES = [MAIN, STRICT_MAIN, "http://schemas.openxmlformats.org/package/2006/relationships"]
NAMESPACES += ["http://schemas.openxmlformats.org/package/2006/content-types", "urn:x"]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@st.composite
def xml_tree(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(ELEMENTS))
    attributes = draw(st.dictionaries(st.sampled_from(ATTRIBUTES), TEXT, max_size=3))
    shown = "".join(f' {k}="{_escaped(v)}"' for k, v in attributes.items())
    if depth > 4:
        return f"<{tag}{shown}>{_escaped(draw(TEXT))}</{tag}>"
    children = draw(st.lists(xml_tree(depth + 1), max_size=3))
    return f"<{tag}{shown}>{''.join(children)}</{tag}>"


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


@st.composite
def xml_part(draw: st.DrawFn) -> bytes:
    namespace = draw(st.sampled_from(NAMESPACES))
    tree = draw(xml_tree())
    first = tree.index(">")
    return (tree[:first] + f' xmlns="{namespace}"' + tree[first:]).encode()


real_part = st.sampled_from(sorted(REAL.values()))
content = st.one_of(
    real_part,
    st.tuples(real_part, st.integers(0, 5000)).map(lambda cut: cut[0][: cut[1]]),
    st.binary(max_size=200),
    xml_part(),
)
package = st.dictionaries(st.sampled_from(NAMES), content, min_size=1, max_size=len(NAMES))


def _answer(path: Path) -> None:
    try:
        read_catalog_file(path, {}, 7)
    except CatalogError as error:
        assert error.problems and all(str(problem) for problem in error.problems)


@given(base=st.sampled_from(["transitional", "strict"]), changed=package)
@settings(max_examples=150, deadline=None, database=None)
def test_any_package_imports_or_is_refused_in_words(base: str, changed: dict[str, bytes]) -> None:
    prefix = "strict/" if base == "strict" else ""
    parts = {
        n.removeprefix(prefix): c for n, c in REAL.items() if n.startswith(prefix) == bool(prefix)
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.xlsx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in (parts | changed).items():
                archive.writestr(name, data)
        _answer(path)


@given(head=st.sampled_from([bytes.fromhex("D0CF11E0A1B11AE1"), b"PK\x03\x04", b""]))
@settings(max_examples=10, deadline=None, database=None)
def test_any_file_with_a_known_magic_is_refused_in_words(head: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "odd.xlsx"
        path.write_bytes(head + b"\0" * 600)
        _answer(path)


@given(
    text=st.text(max_size=400)
    | st.lists(st.lists(TEXT, max_size=8), max_size=6).map(
        lambda rows: "\n".join(",".join(row) for row in rows)
    ),
    shopify=st.booleans(),
)
@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
def test_any_csv_imports_or_is_refused_in_words(text: str, shopify: bool) -> None:
    header = "Handle,Title,Vendor,Variant SKU,Variant Inventory Qty,Cost per item\n"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.csv"
        path.write_text((header if shopify else "") + text, encoding="utf-8", errors="replace")
        _answer(path)
