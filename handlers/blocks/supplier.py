"""`/backorders supplier`: a supplier's terms and its draft PO (what no PO in flight covers),
or its open proposal as it stands and the demand not on it."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from decimal import Decimal

from slack_sdk.models.blocks import Block

from domain.purchasing import BufferLine, PoState, PurchaseOrderView
from domain.views import SupplierStatus
from handlers.blocks.formatting import ago, code, escape, item, money, units
from handlers.blocks.message import (
    Message,
    build,
    context,
    field_sections,
    fit_lines,
    header,
    section,
)
from handlers.blocks.po_history import decision_blocks
from handlers.blocks.po_lines import line_blocks
from handlers.blocks.po_times import stamp

PROPOSAL_LINE_BLOCKS = 20


def _buffer_line(line: BufferLine) -> str:
    """One product of the draft PO: waiting, on a PO in flight, still to order, and the cost."""
    waiting = f"{item(line.sku, line.name)} — {line.waiting_units:,} waiting"
    if line.on_order:
        waiting += f", {line.on_order:,} on a PO in flight"
    if not line.order_qty:
        return f"{waiting}: nothing to order"
    case = ""
    if line.case_pack > 1:
        extra = f", +{line.overage:,} to stock" if line.overage else ""
        case = f" (case of {line.case_pack:,}{extra})"
    return (
        f"{waiting} → order {line.order_qty:,}{case} · {money(line.unit_cost)} each · "
        f"{money(line.cost)}"
    )


def _next_step(status: SupplierStatus, deadline_text: str) -> str:
    """When the buffer becomes a PO proposal."""
    deadline = escape(deadline_text)
    if not status.to_order:
        return "Nothing to order: the POs in flight cover every waiting unit."
    if status.reaches_minimum:
        return "The buffer has reached its minimum and is due for a proposal."
    if status.min_order_qty > 0:
        return (
            f"{status.to_order:,} of {units(status.min_order_qty)} towards the minimum: "
            f"proposed when it reaches {status.min_order_qty:,} or at the deadline ({deadline})."
        )
    return f"Proposed at the weekly deadline ({deadline})."


def _buffer_blocks(status: SupplierStatus, now: datetime, deadline_text: str) -> list[Block]:
    """The draft PO, its totals and what happens next."""
    quantity = sum(line.order_qty for line in status.buffer)
    overage = sum(line.overage for line in status.buffer)
    cost = sum((line.cost for line in status.buffer), start=Decimal(0))
    totals = f"*Total:* order {units(quantity)} · {money(cost)}"
    if overage:
        totals += f" ({units(overage)} beyond demand go to stock)"
    lines = fit_lines([_buffer_line(line) for line in status.buffer], 2900, "…and {n} more.")
    blocks: list[Block] = [section(f"*Draft PO*\n{lines}"), section(totals)]
    if status.oldest_placed_at is not None:
        blocks.append(context(f"Oldest order placed {ago(status.oldest_placed_at, now)}"))
    return [*blocks, section(_next_step(status, deadline_text))]


def _proposal_state(po: PurchaseOrderView, tz: tzinfo) -> str:
    """Where the open proposal stands: waiting for an approver, or held until when."""
    if po.state is PoState.HELD:
        until = stamp(po.hold_until, tz) if po.hold_until else "the deadline"
        return f"held until {until}"
    return f"waiting for an approver since {stamp(po.proposed_at, tz)}"


def _beyond(status: SupplierStatus) -> str:
    """The waiting units neither the proposal nor a PO in flight holds, per product."""
    beyond = [line for line in status.buffer if line.to_order]
    if not beyond:
        return "Every waiting unit is on the proposal or on a PO in flight."
    skus = ", ".join(f"{code(line.sku)} {line.to_order:,}" for line in beyond)
    return f"{units(status.to_order)} waiting beyond the proposal: {skus}"


def _proposal_blocks(status: SupplierStatus, po: PurchaseOrderView, tz: tzinfo) -> list[Block]:
    """The open proposal as it stands (lines, version, who changed it) and what waits beyond."""
    title = f"*Open proposal* · version {po.version:,} · {_proposal_state(po, tz)}"
    return [
        section(title),
        *line_blocks(po, PROPOSAL_LINE_BLOCKS),
        section(f"*Total:* {units(po.units)} · {money(po.total)}"),
        *decision_blocks(po, tz),
        section(_beyond(status)),
    ]


def supplier_message(
    status: SupplierStatus,
    now: datetime,
    deadline_text: str,
    proposal: PurchaseOrderView | None = None,
    tz: tzinfo = UTC,
) -> Message:
    """`/backorders supplier`: terms, then the open proposal and what waits beyond it, or the
    buffer as a draft PO and when it will be proposed."""
    email = escape(status.email) if status.email else "no email: POs will be posted for forwarding"
    minimum = units(status.min_order_qty) if status.min_order_qty else "none"
    fields = [
        ("Email", email),
        ("Minimum order", minimum),
    ]
    blocks: list[Block] = [header(status.name), *field_sections(fields)]
    if proposal is not None:
        blocks += _proposal_blocks(status, proposal, tz)
        return build(f"{status.name}: {units(status.waiting_units)} waiting", blocks)
    if not status.buffer:
        blocks.append(section("Nothing is waiting for this supplier."))
        return build(f"{status.name}: nothing waiting", blocks)
    blocks += _buffer_blocks(status, now, deadline_text)
    return build(f"{status.name}: {units(status.waiting_units)} waiting", blocks)
