"""The PO workbook against openpyxl writing the same cells with no logic, in the same run.

Run from the repo root: `.venv/bin/python -m bench.po_workbook [--lines 10000,50000] [--runs 7]`.
See bench/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell

from domain.purchasing import PoLine, PoStatus, PurchaseOrderView
from storage.po_workbook import po_workbook

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_RATIO = 1.3
ISSUED = datetime(2026, 3, 27, 10, tzinfo=UTC)
ZONE = ZoneInfo("Europe/London")
MAX_LINES, MAX_RUNS = 200_000, 50
FORMATS = ("#,##0", "0", "#,##0.00##", "#,##0.00")
HEADING_ROWS = 8  # title, 5 labelled values, a blank row, the column titles


def make_po(count: int) -> PurchaseOrderView:
    """A PO of `count` lines with catalog-like SKUs, names and 4-decimal costs."""
    lines = tuple(
        PoLine(
            sku=f"SKU-{i:06d}",
            name=f"Product {i} - {('tube', 'chain', 'light', 'saddle', 'tyre')[i % 5]} 700x25c",
            demand=1 + i % 40,
            quantity=6 * (1 + i % 7),
            case_pack=6,
            unit_cost=Decimal(1000 + i % 9000) / Decimal(100) + Decimal("0.0025"),
        )
        for i in range(count)
    )
    return PurchaseOrderView(
        po_id=1,
        version=1,
        status=PoStatus.APPROVED,
        supplier="Velo Parts Ltd",
        supplier_email="orders@velo.example",
        lead_time_days=10,
        number="PO-0042",
        lines=lines,
        orders_served=count,
        oldest_placed_at=None,
        trigger="deadline",
        proposed_at=ISSUED,
    )


def plain_rows(po: PurchaseOrderView) -> list[list[Any]]:
    """The PO's cells as plain values, computed before timing: the floor does no work."""
    heading = [["Purchase order PO-0042"]] + [["Label", "value"]] * 5 + [[]]
    header = [["SKU", "Product", "Quantity", "Case pack", "Unit cost", "Line total"]]
    lines = [
        [line.sku, line.name, line.quantity, line.case_pack, float(line.unit_cost), line_total]
        for line in po.lines
        for line_total in (float(line.total),)
    ]
    return heading + header + lines + [["Total", None, po.units, None, None, float(po.total)]]


def floor(rows: list[list[Any]]) -> bytes:
    """openpyxl write-only, the same cells as plain values: no styles, no types, no logic."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("PO-0042")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def styled_floor(rows: list[list[Any]]) -> bytes:
    """Reference only: the line cells typed and formatted as the PO has them, with no logic."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("PO-0042")
    styles = []
    for number_format in FORMATS:
        model = WriteOnlyCell(sheet)
        model.number_format = number_format
        styles.append(model._style)
    first, last = HEADING_ROWS, len(rows) - 1  # the line rows, between heading and total
    for index, row in enumerate(rows):
        if first <= index < last:
            sku, name = WriteOnlyCell(sheet, row[0]), WriteOnlyCell(sheet, row[1])
            sku.data_type = name.data_type = "s"
            numbers = [
                Cell(sheet, 1, 1, value, style_array=style)
                for value, style in zip(row[2:], styles, strict=True)
            ]
            row = [sku, name, *numbers]
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def timed(write: Callable[[], bytes]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one write."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    write()
    return time.perf_counter() - started, time.process_time() - cpu


def traced_peak(write: Callable[[], bytes]) -> tuple[int, int]:
    """Peak bytes the write allocates on the Python heap (tracemalloc), and the file's size."""
    gc.collect()
    tracemalloc.start()
    try:
        size = len(write())
        return tracemalloc.get_traced_memory()[1], size
    finally:
        tracemalloc.stop()


def measure(count: int, runs: int) -> dict[str, Any]:
    """Median seconds of each writer over interleaved runs, then each one's memory peak."""
    po = make_po(count)
    rows = plain_rows(po)
    writers: dict[str, Callable[[], bytes]] = {
        "floor": lambda: floor(rows),
        "po_workbook": lambda: po_workbook(po, ISSUED, ZONE),
        "styled_floor": lambda: styled_floor(rows),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in writers}
    for write in writers.values():
        write()  # warm-up: imports, caches
    for _ in range(runs):
        for name, write in writers.items():
            times[name].append(timed(write))
    result: dict[str, Any] = {"lines": count, "cells": sum(len(row) for row in rows)}
    for name, write in writers.items():
        peak, size = traced_peak(write)
        result[name] = {
            "median_s": statistics.median(wall for wall, _ in times[name]),
            "median_cpu_s": statistics.median(cpu for _, cpu in times[name]),
            "runs_s": [wall for wall, _ in times[name]],
            "peak_bytes": peak,
            "file_bytes": size,
        }
    po, base = result["po_workbook"], result["floor"]
    result["ratio"] = po["median_s"] / base["median_s"]
    result["ratio_cpu"] = po["median_cpu_s"] / base["median_cpu_s"]
    result["ratio_to_styled_floor"] = po["median_s"] / result["styled_floor"]["median_s"]
    return result


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| lines | floor s | po_workbook s | po/floor | po/floor CPU | styled floor s | po/styled "
        "| floor peak MiB | po peak MiB | po file MiB | po peak - file MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["sizes"]:
        floor_, po, styled = row["floor"], row["po_workbook"], row["styled_floor"]
        lines.append(
            f"| {row['lines']:,} | {floor_['median_s']:.3f} | {po['median_s']:.3f} "
            f"| {row['ratio']:.2f} | {row['ratio_cpu']:.2f} | {styled['median_s']:.3f} "
            f"| {row['ratio_to_styled_floor']:.2f} | {_mib(floor_['peak_bytes'])} "
            f"| {_mib(po['peak_bytes'])} | {_mib(po['file_bytes'])} "
            f"| {_mib(po['peak_bytes'] - po['file_bytes'])} |"
        )
    m = results["machine"]
    lines.append(
        f"\nMedian of {results['runs']} interleaved runs; peaks by tracemalloc in a separate run "
        f"(Python heap, input excluded). {m['cpu_count']} CPUs, Python {m['python']}, "
        f"openpyxl {m['openpyxl']}, lxml {'yes' if m['lxml'] else 'no'}."
    )
    return "\n".join(lines)


def _mib(count: int) -> str:
    return f"{count / 2**20:.2f}"


def verdict(results: dict[str, Any]) -> str:
    first = results["sizes"][0]
    met = "meets" if first["ratio"] <= GOAL_RATIO else "misses"
    return (
        f"{first['lines']:,} lines: po_workbook/floor = {first['ratio']:.2f}, "
        f"{met} the goal of {GOAL_RATIO} (CPU time: {first['ratio_cpu']:.2f})."
    )


def positive_counts(text: str) -> list[int]:
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or not all(0 < n <= MAX_LINES for n in counts):
        raise argparse.ArgumentTypeError(f"line counts from 1 to {MAX_LINES:,}")
    return counts


def bounded_runs(text: str) -> int:
    runs = int(text)
    if not 0 < runs <= MAX_RUNS:
        raise argparse.ArgumentTypeError(f"from 1 to {MAX_RUNS}")
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.po_workbook", description=__doc__)
    parser.add_argument("--lines", type=positive_counts, default=[10_000, 50_000])
    parser.add_argument("--runs", type=bounded_runs, default=7)
    parser.add_argument("--output", type=Path, default=RESULTS / "po_workbook.json")
    args = parser.parse_args(argv)
    results = {
        "runs": args.runs,
        "goal_ratio": GOAL_RATIO,
        "sizes": [measure(count, args.runs) for count in args.lines],
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "openpyxl": openpyxl.__version__,
            "lxml": openpyxl.LXML,
            "platform": platform.platform(),
            "loadavg_after": os.getloadavg(),
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(markdown(results))
    print()
    print(verdict(results))


if __name__ == "__main__":
    main()
