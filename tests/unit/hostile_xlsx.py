"""Catalog workbooks written part by part, so a test can make one lie, bloat or break."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = f"{DOC_RELS}/worksheet"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
BOOK_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
SST_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
ROOT = Path(__file__).resolve().parents[2]

SUPPLIER_ROWS = [
    ["supplier", "email", "lead_time_days", "min_order_qty"],
    ["Acme", "orders@acme.test", 7, 0],
]
PRODUCT_HEADER = ["sku", "name", "supplier", "on_hand", "case_pack", "unit_cost"]


def content_types() -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{SHEET_CT}"/>'
        for n in (1, 2)
    )
    return (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{BOOK_CT}"/>{sheets}</Types>'
    )


def package_parts(workbook_ns: str = MAIN) -> dict[str, str]:
    """Every part but the two sheets: content types, relationships and the workbook."""
    return {
        "[Content_Types].xml": content_types(),
        "_rels/.rels": f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{workbook_ns}" xmlns:r="{DOC_RELS}"><sheets>'
        '<sheet name="Suppliers" sheetId="1" r:id="rId1"/>'
        '<sheet name="Products" sheetId="2" r:id="rId2"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{SHEET_TYPE}" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{SHEET_TYPE}" Target="worksheets/sheet2.xml"/>'
        "</Relationships>",
    }


def cell(ref: str, value: object) -> str:
    """One cell: text inline, numbers as numbers."""
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def row(number: int, values: Iterable[object], extra: str = "") -> str:
    cells = "".join(cell(f"{'ABCDEF'[i]}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}{extra}</row>'


def sheet(rows: Iterable[str], dimension: str = "A1:F2", ns: str = MAIN) -> Iterable[str]:
    """A worksheet's XML in pieces, so a big one is never held whole."""
    yield f'<worksheet xmlns="{ns}"><dimension ref="{dimension}"/><sheetData>'
    yield from rows
    yield "</sheetData></worksheet>"


def suppliers_sheet() -> Iterable[str]:
    return sheet(row(n, values) for n, values in enumerate(SUPPLIER_ROWS, start=1))


def write_xlsx(
    path: Path,
    products: Iterable[str],
    suppliers: Iterable[str] | None = None,
    extra: dict[str, str] | None = None,
    workbook_ns: str = MAIN,
) -> Path:
    """A catalog package whose Products sheet is the given XML pieces."""
    sheets = {
        "xl/worksheets/sheet1.xml": suppliers or suppliers_sheet(),
        "xl/worksheets/sheet2.xml": products,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in (package_parts(workbook_ns) | (extra or {})).items():
            archive.writestr(name, text)
        for name, pieces in sheets.items():
            with archive.open(name, "w", force_zip64=False) as part:
                for piece in pieces:
                    part.write(piece.encode())
    return path


def with_shared_strings(
    path: Path, strings: Iterable[str], products: Iterable[str] | None = None
) -> Path:
    """A catalog whose shared strings table holds `strings`, each as one <si>."""
    parts = package_parts()
    override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_CT}"/>'
    parts["[Content_Types].xml"] = content_types().replace("</Types>", override + "</Types>")
    good = [row(1, PRODUCT_HEADER), row(2, ["TUBE", "Inner tube", "Acme", 1, 1, 2.5])]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", "".join(suppliers_sheet()))
        with archive.open("xl/worksheets/sheet2.xml", "w") as sheet_part:
            for piece in products or sheet(good):
                sheet_part.write(piece.encode())
        with archive.open("xl/sharedStrings.xml", "w") as table:
            table.write(f'<sst xmlns="{MAIN}">'.encode())
            for text in strings:
                table.write(f"<si><t>{text}</t></si>".encode())
            table.write(b"</sst>")
    return path


READER = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
from domain.errors import CatalogError
from storage.catalog_workbook import read_catalog
try:
    outcome = {"products": len(read_catalog(sys.argv[1]).products)}
except CatalogError as error:
    outcome = {"problems": [str(p) for p in error.problems]}
except BaseException as error:
    outcome = {"crash": repr(error)[:300]}
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through fork and exec.
with open("/proc/self/status") as status:
    peak = next(line for line in status if line.startswith("VmHWM:"))
outcome["peak_mb"] = int(peak.split()[1]) / 1024
print(json.dumps(outcome))
"""


def read_in_child(path: Path, timeout: float = 120) -> dict[str, object]:
    """What read_catalog makes of `path` in a fresh process, with that process's peak memory.

    The child may not map more than 2 GB, so a reader that would take far more fails there
    instead of swapping the machine.
    """
    done = subprocess.run(
        [sys.executable, "-c", READER, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def replace_part(path: Path, name: str, data: bytes) -> None:
    """Rewrite the package with one part's content swapped."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts[name] = data
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, content in parts.items():
            archive.writestr(part, content)
    path.write_bytes(buffer.getvalue())


Mutation = tuple[str, int, int, int]


def entries(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def packed(parts: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts:
            archive.writestr(name, content)
    return buffer.getvalue()


def mutated(data: bytes, mutation: Mutation) -> bytes:
    """One hostile edit: flip a packed byte, cut the file, reorder parts, or flip an XML byte."""
    kind, where, value, seed = mutation
    if kind == "flip":
        at = where % len(data)
        return data[:at] + bytes([data[at] ^ (value or 1)]) + data[at + 1 :]
    if kind == "truncate":
        return data[: where % len(data)]
    parts = entries(data)
    if kind == "reorder":
        random.Random(seed).shuffle(parts)
        return packed(parts)
    name, content = parts[seed % len(parts)]
    at = where % max(len(content), 1)
    parts[seed % len(parts)] = (name, content[:at] + bytes([value]) + content[at + 1 :])
    return packed(parts)


STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
EXCEL_STRICT = ROOT / "tests" / "fixtures" / "workbooks" / "excel-2013-strict.xlsx"


def strict_catalog(path: Path, products: list[list[object]]) -> Path:
    """Excel 2013's own Strict workbook (see the fixture's README), its two sheets made a catalog.

    Only the sheet names and the cells change; the package, its Strict namespaces, styles, theme
    and properties are as Excel saved them.
    """
    with zipfile.ZipFile(EXCEL_STRICT) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    book = parts["xl/workbook.xml"].decode()
    book = book.replace('name="Sheet1"', 'name="Suppliers"')
    parts["xl/workbook.xml"] = book.replace('name="Sheet Number 2"', 'name="Products"').encode()
    tables = {"xl/worksheets/sheet1.xml": SUPPLIER_ROWS, "xl/worksheets/sheet2.xml": products}
    for name, rows in tables.items():
        xml = parts[name].decode()
        start, end = xml.index("<sheetData>"), xml.index("</sheetData>")
        cells = "".join(row(n, values) for n, values in enumerate(rows, start=1))
        parts[name] = (xml[: start + len("<sheetData>")] + cells + xml[end:]).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


def encrypted_workbook(path: Path) -> Path:
    """What Excel writes for a workbook with a password: an OLE2 compound file whose directory
    names an EncryptionInfo and an EncryptedPackage stream (MS-OFFCRYPTO 2.3.4)."""
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    directory = b"".join(
        name.encode("utf-16-le").ljust(64, b"\0") + bytes(64)
        for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage", "\x06DataSpaces")
    )
    path.write_bytes(header + directory + bytes(4096))
    return path
