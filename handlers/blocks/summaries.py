"""What the channel hears when new backorders arrive: a batch grouped by supplier."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby

from slack_sdk.models.blocks import Block

from domain.views import BackorderSummary, NewBackorder, UnplacedLine
from domain.wording import noun
from handlers.blocks.formatting import (
    ISSUES_SHORT,
    TIMES,
    WARNING,
    bold,
    escape,
    item,
    oldest,
    order_ref,
    plural,
    units,
)
from handlers.blocks.message import Message, build, context, fit_lines, header, section

SUMMARY_OVERFLOW = "…and {n} more supplier{s}. Ask `/backorders export` for the full workbook."
NEXT_STEP = "They wait for each supplier's next purchase order. `/backorders status` for all."
BY_HAND = "The team must place these lines by hand. `/backorders order <number>` shows the order."


def _title(summary: BackorderSummary) -> str:
    """The header: "3 new backorders (7 units)", or the unplaced count when nothing new waits."""
    new = len(summary.new_backorders)
    if new:
        return f"{plural(new, 'new backorder')} ({units(summary.waiting_units)})"
    unplaced = len(summary.unplaced)
    if unplaced:
        return f"{plural(unplaced, 'order line')} could not be placed"
    return "No new backorders"


def _new_line(line: NewBackorder) -> str:
    """A new backorder: "#1002 · `SKU` name · 2 waiting"."""
    number = escape(order_ref(line.order_number))
    return f"{number} · {item(line.sku, line.name)} · {line.waiting:,} waiting"


def _supplier_sections(summary: BackorderSummary, now: datetime) -> list[Block]:
    """One section per supplier, the supplier whose customers have waited longest first."""
    by_supplier = sorted(summary.new_backorders, key=lambda line: line.supplier)
    groups = [
        sorted(lines, key=lambda line: line.placed_at)
        for _, lines in groupby(by_supplier, key=lambda line: line.supplier)
    ]
    groups.sort(key=lambda lines: lines[0].placed_at)
    sections: list[Block] = []
    for lines in groups:
        waiting = sum(line.waiting for line in lines)
        heading = f"{bold(lines[0].supplier)} — {units(waiting)}, {oldest(lines[0].placed_at, now)}"
        body = fit_lines([_new_line(line) for line in lines], 2800, "…and {n} more line{s}.")
        sections.append(section(f"{heading}\n{body}"))
    return sections


def _unplaced_line(line: UnplacedLine) -> str:
    """An unplaced line: "#1003 line 2 `MYSTERY` Gift wrap, 1 unit: SKU not in the catalog"."""
    # People count lines from the top; the store's own line id means nothing to them.
    place = str(line.position) if line.position else line.line_ref
    where = f"{escape(order_ref(line.order_number))} line {escape(place)}"
    what = f"{item(line.sku, line.name)} {TIMES}{line.quantity:,}"
    return f"{WARNING} {where} {what}: {ISSUES_SHORT[line.issue]}"


def _unplaced_blocks(unplaced: tuple[UnplacedLine, ...]) -> list[Block]:
    """The lines nobody could place, and who has to act on them."""
    if not unplaced:
        return []
    lines = fit_lines([_unplaced_line(line) for line in unplaced], more="…and {n} more line{s}.")
    return [section(lines), context(escape(BY_HAND))]


def summary_message(summary: BackorderSummary, now: datetime) -> Message:
    """The batched new-backorder summary posted in the purchasing channel."""
    title = _title(summary)
    text = title
    if summary.new_backorders and summary.unplaced:
        count = len(summary.unplaced)
        text += f"; {count:,} order {noun(count, 'line')} could not be placed"
    blocks: list[Block] = [header(title)]
    if summary.new_backorders:
        blocks += [context(escape(NEXT_STEP)), *_supplier_sections(summary, now)]
    footer = _unplaced_blocks(summary.unplaced)
    if summary.is_empty:
        blocks.append(section("Every new order line was filled from stock."))
    return build(text, blocks, overflow=SUMMARY_OVERFLOW, footer=footer)
