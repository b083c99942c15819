"""The weekly digest in the channel: the backlog now, its ages, each supplier, and the week."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from slack_sdk.models.blocks import Block

from domain.views import CancelledSku, Digest, SupplierWeek
from handlers.blocks.formatting import WARNING, bold, code, day, money, order_ref, plural, units
from handlers.blocks.message import (
    Message,
    build,
    context,
    divider,
    field_sections,
    fit_lines,
    header,
    section,
)

TITLE = "Weekly backorder digest"
SUPPLIERS_OVERFLOW = "…and {n} more supplier{s}: the workbook in the thread lists every one."
WORKBOOK_HINT = "📎 The workbook in this message's thread has every open line, oldest first."
CANCELLED_SHOWN = 5
EN_DASH = "\u2013"  # ranges of days, as people write them
NOTHING_WAITING = "Nothing is waiting: every order line has been filled from stock."


def digest_message(d: Digest, now: datetime, tz: tzinfo) -> Message:
    """The weekly digest; past 50 blocks the suppliers with the fewest units waiting are cut."""
    span = week_span(d.week_start, d.week_end, tz)
    body: list[Block] = [header(f"{TITLE} · {span}"), section(_backlog_text(d))]
    if d.open_lines:
        body += field_sections(
            [(b.label, f"{plural(b.lines, 'line')} · {units(b.units)}") for b in d.buckets]
        )
    if d.oldest_order is not None and d.oldest_placed_at is not None:
        body.append(section(_oldest_text(d.oldest_order, d.oldest_placed_at, now.astimezone(tz))))
    body += [divider(), *_supplier_blocks(d.suppliers)]
    footer: list[Block] = [
        divider(),
        section("*This week*"),
        *field_sections(_week_fields(d)),
        *_reconciled_blocks(d.orders_reconciled),
        section(_cancelled_text(d.cancelled)),
        context(WORKBOOK_HINT),
    ]
    text = (
        f"{TITLE}, {span}: {units(d.open_units)} waiting on {plural(d.open_lines, 'line')}; "
        f"{plural(d.orders_in, 'order')} in this week"
    )
    return build(text, body, overflow=SUPPLIERS_OVERFLOW, footer=footer)


def week_span(week_start: datetime, week_end: datetime, tz: tzinfo) -> str:
    """The week's days in the team's zone, its end excluded: "9-15 Nov 2026" (an en dash)."""
    first = week_start.astimezone(tz).date()
    last = max((week_end - timedelta(microseconds=1)).astimezone(tz).date(), first)
    if first == last:
        return f"{last.day} {last:%b %Y}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}{EN_DASH}{last.day} {last:%b %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%b} {EN_DASH} {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b %Y} {EN_DASH} {last.day} {last:%b %Y}"


def _backlog_text(d: Digest) -> str:
    if not d.open_lines:
        return f"*Open backorders now:* none. {NOTHING_WAITING}"
    return (
        f"*Open backorders now:* {units(d.open_units)} on {plural(d.open_lines, 'line')} · "
        f"{money(d.open_value)} at cost"
    )


def _oldest_text(number: str, placed_at: datetime, now: datetime) -> str:
    """Whole days (24 h), as the age buckets count them."""
    waited = (now - placed_at).days
    age = "today" if waited <= 0 else f"{plural(waited, 'day')} ago"
    return (
        f"*Oldest waiting order:* {bold(order_ref(number))}, placed {day(placed_at, now)} ({age})"
    )


def supplier_line(s: SupplierWeek) -> str:
    """One supplier: units waiting, its open proposal, its POs on the way and how many are late."""
    parts = [f"{units(s.waiting_units)} waiting" if s.waiting_units else "nothing waiting"]
    if s.open_proposal_units is not None:
        parts.append(f"proposal of {units(s.open_proposal_units)}")
    if s.pos_in_flight:
        late = f" ({s.late_pos:,} late {WARNING})" if s.late_pos else ""
        parts.append(f"{plural(s.pos_in_flight, 'PO')} in flight{late}")
    return f"{bold(s.supplier)} — {' · '.join(parts)}"


def _supplier_blocks(suppliers: tuple[SupplierWeek, ...]) -> list[Block]:
    """A title, then one section per supplier (the last blocks of the body, so cut first)."""
    if not suppliers:
        return [section("*By supplier*\nNo supplier has units waiting or purchase orders open.")]
    return [section("*By supplier*"), *(section(supplier_line(s)) for s in suppliers)]


def _week_fields(d: Digest) -> list[tuple[str, str]]:
    return [
        ("Orders in", f"{d.orders_in:,}"),
        ("Units backordered", units(d.units_backordered)),
        ("POs sent", f"{d.pos_sent:,}"),
        ("Units received", units(d.units_received)),
    ]


def _reconciled_blocks(found: int | None) -> list[Block]:
    """Only when a store is reconciled: otherwise there is nothing it could have found."""
    return [] if found is None else [section(reconciled_text(found))]


def reconciled_text(found: int) -> str:
    """What reading the stores' own lists of orders brought that their webhooks had not."""
    if not found:
        return "Reconciliation found no order the store's webhooks missed."
    return f"Reconciliation found {plural(found, 'order')} the store's webhooks missed {WARNING}"


def _cancelled_text(cancelled: tuple[CancelledSku, ...]) -> str:
    """The SKUs with the most cancelled backordered units, then how many more."""
    title = "*Cancelled after backordering*"
    if not cancelled:
        return f"{title}\nNo backordered line was cancelled."
    lines = [
        f"{code(c.sku)} — {plural(c.lines, 'line')} · {units(c.units)}"
        for c in cancelled[:CANCELLED_SHOWN]
    ]
    more = len(cancelled) - CANCELLED_SHOWN
    if more > 0:
        lines.append(f"…and {plural(more, 'more SKU')}.")
    return f"{title}\n{fit_lines(lines, 2900, '…and {n} more.')}"
