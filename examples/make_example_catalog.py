"""Write examples/catalog.xlsx: a small bike shop's catalog, the same bytes of content every run.

Run from the project root: `.venv/bin/python examples/make_example_catalog.py`
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

OUTPUT = Path(__file__).with_name("catalog.xlsx")

SUPPLIER_HEADER = ("supplier", "email", "lead_time_days", "min_order_qty")
SUPPLIERS = (
    ("Velo Parts Ltd", "orders@veloparts.example", 5, 0),
    ("Northern Cycle Supply", "", 14, 24),
    ("Brightway Lighting", "trade@brightway.example", 21, 50),
)

PRODUCT_HEADER = ("sku", "name", "supplier", "on_hand", "case_pack", "unit_cost")
PRODUCTS = (
    ("BK-TUBE-700", "Inner tube 700x25c Presta", "Velo Parts Ltd", 3, 12, 3.45),
    ("BK-TUBE-26", "Inner tube 26x2.1 Schrader", "Velo Parts Ltd", 0, 12, 3.20),
    ("BK-CHAIN-11", "11-speed chain 116 links", "Velo Parts Ltd", 2, 6, 18.90),
    ("BK-CABLE-BRK", "Brake cable set, stainless", "Velo Parts Ltd", 15, 6, 4.75),
    ("BK-PADS-DISC", "Disc brake pads, resin", "Velo Parts Ltd", 0, 6, 7.15),
    ("BK-TYRE-700", "Road tyre 700x28c folding", "Northern Cycle Supply", 4, 1, 21.60),
    ("BK-SADDLE-CMF", "Comfort saddle, gel", "Northern Cycle Supply", 1, 1, 24.99),
    ("BK-PUMP-FLR", "Track pump with gauge", "Northern Cycle Supply", 0, 1, 19.50),
    (40012, "Bottle cage, alloy", "Northern Cycle Supply", 8, 12, 2.85),
    ("BK-LIGHT-USB", "USB front light 400 lm", "Brightway Lighting", 0, 6, 14.30),
    ("BK-LIGHT-REAR", "USB rear light 50 lm", "Brightway Lighting", 2, 6, 8.40),
    ("BK-BELL-BRS", "Brass bell", "Brightway Lighting", 20, 12, 3.05),
)

# Fixed timestamps (openpyxl stamps "now" on save) keep the file identical on every run,
# so regenerating it leaves no diff.
FIXED_TIME = datetime(2024, 1, 1)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def build_workbook() -> Workbook:
    """The example catalog as an openpyxl workbook."""
    workbook = Workbook()
    suppliers = workbook.active
    suppliers.title = "Suppliers"
    for row in (SUPPLIER_HEADER, *SUPPLIERS):
        suppliers.append(row)
    products = workbook.create_sheet("Products")
    for row in (PRODUCT_HEADER, *PRODUCTS):
        products.append(row)
    for cell in products["F"][1:]:
        cell.number_format = "0.00"
    workbook.properties.creator = "make_example_catalog.py"
    workbook.properties.created = FIXED_TIME
    return workbook


def without_timestamps(xlsx: bytes) -> bytes:
    """The same workbook with the save time and the zip entry times set to FIXED_TIME."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_TIME.timetuple()[:6])
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def main() -> None:
    """Write the example catalog next to this script."""
    buffer = io.BytesIO()
    build_workbook().save(buffer)
    OUTPUT.write_bytes(without_timestamps(buffer.getvalue()))
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
