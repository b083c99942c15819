"""A PO's lines in the proposal: what each orders and why, packed into sections."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from domain.purchasing import PoLine, PoState, PurchaseOrderView
from handlers.blocks.formatting import item, money
from handlers.blocks.message import MAX_TEXT, clip, context, counted, section

MORE_PO_LINES = "…and {n} more line{s}."


def _arrived(line: PoLine, state: PoState) -> list[str]:
    """Once goods arrive: how many of the line came, and what is still to come or never will."""
    if state not in (PoState.PARTLY_RECEIVED, PoState.RECEIVED, PoState.CLOSED):
        return []
    notes = [f"{line.received:,} arrived"]
    if line.outstanding:
        left = "never came" if state is PoState.CLOSED else "outstanding"
        notes.append(f"{line.outstanding:,} {left}")
    return notes


def _line(line: PoLine, state: PoState = PoState.PROPOSED) -> str:
    """A line: "`SKU` name — order 12 (7 waiting, case of 6, +5 to stock) · 2.50 → 30.00",
    and once goods arrive, how many came ("6 arrived, 6 outstanding")."""
    notes = [*_arrived(line, state), f"{line.demand:,} waiting"]
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
    lines = [_line(line, po.state) for line in po.lines]
    chunks = _packed(lines) or [["This PO has no lines."]]
    if len(chunks) > room:
        kept = chunks[: room - 1]
        left = len(po.lines) - sum(len(chunk) for chunk in kept)
        return [*(section("\n".join(c)) for c in kept), context(counted(MORE_PO_LINES, left))]
    return [section("\n".join(chunk)) for chunk in chunks]
