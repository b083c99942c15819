"""A waiting line's journey and expected date; a supplier's learned lead time."""

from __future__ import annotations

from datetime import datetime, tzinfo

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from domain.lead_times import Coverage, EtaSlip, LeadTimes
from domain.promises import is_late
from domain.views import OrderLineStatus
from domain.wording import noun, plural
from handlers.blocks.formatting import code, escape, order_ref
from handlers.blocks.message import MAX_BLOCKS, Message, clip
from handlers.blocks.purchasing import weekday


def journey_line(line: OrderLineStatus, eta: Coverage, placed_at: datetime, tz: tzinfo) -> str:
    """`CHAIN` 2 waiting: ordered Mon 2 Nov → backordered → on PO-0001 → expected Sat 7 Nov
    · promised by Tue 1 Dec (with ⚠️ when expected after the promise)."""
    steps = [f"ordered {weekday(placed_at, tz)}", "backordered"]
    if eta.po_number:
        steps += [f"on {escape(eta.po_number)}", f"expected {weekday(eta.expected_at, tz)}"]
    else:
        steps += ["next PO", f"expected about {weekday(eta.expected_at, tz)}"]
    journey = f"{code(line.sku or line.name)} {line.waiting} waiting: " + " → ".join(steps)
    return journey + promise_text(line.promised_by, eta.expected_at, tz)


def promise_text(promised_by: datetime | None, expected_at: datetime, tz: tzinfo) -> str:
    """` · promised by Tue 1 Dec`, flagged when the expected date is past it."""
    if promised_by is None:
        return ""
    late = " ⚠️ expected after its promise" if is_late(expected_at, promised_by) else ""
    return f" · promised by {weekday(promised_by, tz)}{late}"


def lead_time_text(lead: LeadTimes) -> str:
    if not lead.learned:
        return (
            f"*Lead time:* {lead.p50_days:g} {noun(lead.p50_days, 'day')} (as configured; "
            f"learned after {plural(3 - lead.samples, 'more receipt')})"
        )
    rate = f"{lead.on_time_rate:.0%}" if lead.on_time_rate is not None else "—"
    return (
        f"*Lead time:* {lead.p50_days:.1f} days typically (p50), {lead.p90_days:.1f} at worst "
        f"(p90), {rate} on time, over the last {plural(lead.samples, 'receipt')}"
    )


def with_section(message: Message, text: str) -> Message:
    """The message with one more section at the end (within Slack's 50 blocks)."""
    if len(message.blocks) >= MAX_BLOCKS:
        return message
    block = SectionBlock(text=MarkdownTextObject(text=clip(text, 3000))).to_dict()
    return Message(message.text, [*message.blocks, block])


def late_promises_text(late: list[dict[str, str]], tz: tzinfo, shown: int = 15) -> str:
    """Lines expected after their promise, the latest first (facts as the digest keeps them)."""
    lines = [
        f"{escape(order_ref(line['order_number']))} {code(line['sku'])}: promised by "
        f"{weekday(datetime.fromisoformat(line['promised_by']), tz)}, expected "
        f"{weekday(datetime.fromisoformat(line['expected_at']), tz)}"
        for line in late[:shown]
    ]
    more = f"\n…and {len(late) - shown} more" if len(late) > shown else ""
    return "*Expected after their promise*\n" + "\n".join(lines) + more


def slips_text(slips: list[EtaSlip], tz: tzinfo, shown: int = 15) -> str:
    """Orders now expected later than first expected, the longest-waiting first."""
    lines = [
        f"{escape(order_ref(s.order_number))} {code(s.sku)}: "
        f"was {weekday(s.first_expected_at, tz)}, now {weekday(s.expected_at, tz)}"
        for s in slips[:shown]
    ]
    more = f"\n…and {len(slips) - shown} more" if len(slips) > shown else ""
    return "*Expected dates that slipped*\n" + "\n".join(lines) + more
