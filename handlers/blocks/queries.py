"""What `/backorders` answers: usage, the overview, a SKU, an order, a supplier, polite errors."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block

from domain.model import NotStock
from domain.order_refs import OrderRef, in_stores
from domain.views import (
    OrderLineStatus,
    OrderStatus,
    Overview,
    SkuStatus,
    SupplierBacklog,
    WaitingLine,
)
from handlers.blocks.formatting import (
    ISSUES,
    TIMES,
    WARNING,
    age,
    ago,
    bold,
    code,
    day,
    escape,
    item,
    oldest,
    order_ref,
    plural,
    source_name,
    units,
)
from handlers.blocks.message import (
    Message,
    build,
    clip,
    context,
    divider,
    field_sections,
    fit_lines,
    header,
    section,
)
from handlers.blocks.supplier import supplier_message as supplier_message  # its old home

# name, arguments, what it answers; in the order people need them
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("help", "", "this list"),
    ("status", "", "open backorders by supplier (the default)"),
    ("sku", "<SKU>", "free stock and the customers waiting for a SKU"),
    ("order", "<number>", "an order line by line (shopify:1001 when two stores use 1001)"),
    ("supplier", "<name>", "a supplier's terms and its draft PO"),
    ("pos", "", "open purchase orders"),
    ("raise", "<supplier>", "propose a supplier's PO now"),
    ("receive", "<PO number>", "record goods received against a PO"),
    (
        "cancel",
        "<order number> [SKU]",
        "cancel an order, or one SKU of it (shopify:1001 names the store)",
    ),
    ("digest", "", "the weekly digest, now"),
    ("export", "", "a workbook of open backorders, posted here"),
)
NOT_STOCK: dict[NotStock, str] = {
    NotStock.NO_SHIPPING: "needs no shipping (a gift card, a download): not stock, nothing to do",
    NotStock.FULFILLED: "already sent by the shop when the bot first heard of it",
    NotStock.TEST_ORDER: "a test order's line: no stock taken, never on a PO",
}
EMPTY_OVERVIEW = "No open backorders. Every order line has been filled from stock."
OVERVIEW_OVERFLOW = "…and {n} more supplier{s}. Ask `/backorders export` for the full workbook."


def usage_text() -> str:
    """Every subcommand, one a line, with what it answers."""
    lines = [
        f"{code(' '.join(filter(None, ('/backorders', name, args))))} — {what}"
        for name, args, what in COMMANDS
    ]
    return "\n".join(["*Ask me with `/backorders`:*", *lines])


USAGE = usage_text()


def usage_message() -> Message:
    """The `/backorders help` answer."""
    return build("How to use /backorders", [section(USAGE)])


def unknown_command_message(text: str) -> Message:
    """What someone gets for a subcommand the bot does not know: the words back, then usage."""
    asked = clip(" ".join(text.split()), 80)
    sorry = f"I don't know {code(asked)}." if asked else "I didn't catch that."
    blocks = [section(sorry), section(USAGE)]
    return build(f"{sorry} Try /backorders help.", blocks)


def error_message(text: str) -> Message:
    """A polite refusal, never a trace: the domain's sentence says what and why."""
    sorry = escape(text)
    return build(sorry, [section(sorry)])


def _backlog_line(backlog: SupplierBacklog, now: datetime) -> str:
    """One supplier of the overview, and where to look next."""
    return (
        f"{bold(backlog.supplier)} — {units(backlog.waiting_units)} on "
        f"{plural(backlog.waiting_lines, 'line')} ({plural(backlog.orders, 'order')}), "
        f"{oldest(backlog.oldest_placed_at, now)}\n"
        f"{code('/backorders supplier ' + backlog.supplier)} for its buffer"
    )


def _overview_totals(overview: Overview) -> tuple[str, str]:
    """The totals, and the lines nobody could place ("" when there are none)."""
    lines = sum(s.waiting_lines for s in overview.suppliers)
    totals = (
        f"{units(overview.waiting_units)} waiting on {plural(lines, 'line')} "
        f"across {plural(len(overview.suppliers), 'supplier')}"
        if overview.suppliers
        else "nothing is waiting for a supplier"
    )
    n = overview.unplaced_lines
    unplaced = f"{plural(n, 'order line')} could not be placed" if n else ""
    return totals, unplaced


def overview_message(overview: Overview, now: datetime) -> Message:
    """`/backorders status`: open backorders by supplier, the longest-waiting first."""
    title = header("Open backorders")
    if not overview.suppliers and not overview.unplaced_lines:
        return build("No open backorders.", [title, section(EMPTY_OVERVIEW)])
    backlogs = sorted(overview.suppliers, key=lambda b: b.oldest_placed_at)
    totals, unplaced = _overview_totals(overview)
    footer = [divider(), section(f"*Total:* {totals}")]
    if unplaced:
        footer.append(section(f"{WARNING} {unplaced} (no SKU or unknown SKU)."))
    text = "Open backorders: " + "; ".join(filter(None, (totals, unplaced)))
    body = [title, *(section(_backlog_line(b, now)) for b in backlogs)]
    return build(text, body, overflow=OVERVIEW_OVERFLOW, footer=footer)


def _waiting_line(line: WaitingLine, now: datetime) -> str:
    """A customer waiting for the SKU."""
    return (
        f"{escape(order_ref(line.order_number))} · {line.waiting:,} of {units(line.quantity)} "
        f"waiting · {age(line.placed_at, now)}"
    )


def sku_message(status: SkuStatus, now: datetime) -> Message:
    """`/backorders sku`: free stock, who waits for it and what happens next."""
    fields = [
        ("Free stock", units(status.on_hand)),
        ("Waiting", f"{units(status.waiting_units)} on {plural(status.waiting_lines, 'line')}"),
        ("Supplier", escape(status.supplier)),
        ("Case pack", units(status.case_pack)),
    ]
    blocks: list[Block] = [header(f"{status.sku} — {status.name}"), *field_sections(fields)]
    if status.oldest_waiting:
        shown = [_waiting_line(line, now) for line in status.oldest_waiting]
        more = status.waiting_lines - len(shown)
        if more > 0:
            shown.append(f"…and {plural(more, 'more line')}.")
        blocks.append(section("*Oldest waiting*\n" + fit_lines(shown, 2900)))
    if status.waiting_units:
        next_step = f"These customers wait for {escape(status.supplier)}'s next purchase order."
        hint = f"{code('/backorders supplier ' + status.supplier)} for its buffer"
        blocks += [section(next_step), context(hint)]
    else:
        blocks.append(section("Nobody is waiting for this SKU."))
    text = (
        f"{status.sku} — {status.name}: {units(status.on_hand)} free, "
        f"{units(status.waiting_units)} waiting"
    )
    return build(text, blocks)


def _order_line(line: OrderLineStatus, order_cancelled: bool = False) -> str:
    """One order line: where its units come from, why it could not be placed, or cancelled."""
    what = (f"{line.position}. " if line.position else "") + item(line.sku, line.name)
    if line.not_stock is not None:
        return f"{what} — {line.quantity:,} ordered: {NOT_STOCK[line.not_stock]}"
    if line.cancelled_at is not None:
        return f"{what} — cancelled in Slack: the store's later changes to it are ignored"
    if line.cancelled:
        return f"{what} — cancelled"
    if order_cancelled:
        return f"{what} — {line.quantity:,} ordered, cancelled"
    if line.issue is not None:
        return f"{WARNING} {what} {TIMES}{line.quantity:,} — {ISSUES[line.issue]}"
    parts = [f"{line.allocated:,} from stock"] if line.allocated else []
    if line.waiting:
        supplier = f" ({escape(line.supplier)})" if line.supplier else ""
        parts.append(f"{line.waiting:,} waiting{supplier}")
    return f"{what} — {line.quantity:,} ordered" + (": " + ", ".join(parts) if parts else "")


def _order_outcome(status: OrderStatus) -> str:
    """Whether the order can go out, in one sentence."""
    if status.cancelled:
        return "Cancelled: nothing more will ship."
    if status.test:
        return "A test order: kept apart, it takes no stock and goes on no PO."
    outcome = f"{units(status.waiting_units)} still waiting" if status.waiting_units else ""
    issues = sum(1 for line in status.lines if line.issue is not None and not line.cancelled)
    if not issues:
        return f"*{outcome}.*" if outcome else "*Ready to ship.*"
    by_hand = f"{plural(issues, 'line')} the team must place by hand"
    return f"*{outcome}*; {by_hand}." if outcome else f"*Ready to ship*, except {by_hand}."


def _order_blocks(status: OrderStatus, now: datetime, shared: bool = False) -> list[Block]:
    """Header, who and when, the lines and the outcome of one order (its store in the header
    when its number is shared)."""
    title = f"Order {order_ref(status.number)}"
    title += f" — {source_name(status.source)}" if shared else ""
    title += " (cancelled)" if status.cancelled else ""
    title += " (test order)" if status.test else ""
    about = [escape(status.customer)] if status.customer else []
    about += [
        f"placed {day(status.placed_at, now)} ({ago(status.placed_at, now)})",
        f"from {escape(source_name(status.source))}",
    ]
    lines = [_order_line(line, status.cancelled) for line in status.lines]
    lines = lines or ["This order has no lines."]
    return [
        header(title),
        context(*about),
        section(fit_lines(lines, more="…and {n} more line{s}.")),
        section(_order_outcome(status)),
    ]


def order_message(statuses: list[OrderStatus], now: datetime, asked: str | None = None) -> Message:
    """`/backorders order`: each order with that number (`asked`), line by line."""
    if not statuses:
        return build("No such order.", [section("I couldn't find an order with that number.")])
    stores = {status.source for status in statuses}
    shared = len(stores) > 1
    first = statuses[0]
    number = OrderRef.parse(asked).number if asked else first.number
    blocks: list[Block] = [context(escape(in_stores(number, stores)))] if shared else []
    for index, status in enumerate(statuses):
        blocks += ([divider()] if index else []) + _order_blocks(status, now, shared)
    text = f"Order {order_ref(first.number)}: " + _order_outcome(first).replace("*", "")
    if shared:
        text = in_stores(number, stores) + "."
    return build(text, blocks)
