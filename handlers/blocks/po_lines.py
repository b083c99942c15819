"""A PO's lines in the proposal: what each orders and why, packed into sections."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from domain.purchasing import PoLine, PurchaseOrderView
from handlers.blocks.formatting import item, money
from handlers.blocks.message import MAX_TEXT, clip, context, counted, section

MORE_PO_LINES = "…and {n} more line{s}."


def _line(line: PoLine) -> str:
    """A line: "`SKU` name — order 12 (7 waiting, case of 6, +5 to stock) · 2.50 → 30.00"."""
    notes = [f"{line.demand:,} waiting"]
    if line.case_pack > 1:
        notes.append(f"case of {line.case_pack:,}")
    if line.overage:
        notes.append(f"+{line.overage:,} to stock")
    if line.short:
        notes.append(f"{line.short:,} short: they wait for the next cycle")
    return (
        f"{item(line.sku, line.name)} — order {line.quantity:,} ({', '.join(notes)}) · "
        f"{money(line.unit_cost)} → {money(line.total)}"
    )


def _packed(lines: list[str], limit: int = MAX_TEXT) -> list[list[str]]:
    """Whole lines grouped into sections of at most `limit` characters."""
    chunks: list[list[str]] = []
    size = limit
    for line in (clip(text, limit) for text in lines):
        if size + 1 + len(line) > limit:
            chunks.append([])
            size = -1
        chunks[-1].append(line)
        size += 1 + len(line)
    return chunks


def line_blocks(po: PurchaseOrderView, room: int) -> list[Block]:
    """The lines, packed into sections; past `room` blocks the rest are counted."""
    chunks = _packed([_line(line) for line in po.lines]) or [["This PO has no lines."]]
    if len(chunks) > room:
        kept = chunks[: room - 1]
        left = len(po.lines) - sum(len(chunk) for chunk in kept)
        return [*(section("\n".join(c)) for c in kept), context(counted(MORE_PO_LINES, left))]
    return [section("\n".join(chunk)) for chunk in chunks]
