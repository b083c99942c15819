"""A waiting line's journey and expected date; a supplier's learned lead time."""

from __future__ import annotations

from datetime import datetime, tzinfo

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from domain.customer_story import AUTO, CustomerAnswer, CustomerStory, ToldNotice
from domain.lead_times import Coverage, EtaSlip, LeadTimes
from domain.promises import is_late
from domain.views import OrderLineStatus
from domain.wording import noun, plural
from handlers.blocks.formatting import code, escape, order_ref
from handlers.blocks.message import MAX_BLOCKS, Message, clip
from handlers.blocks.po_times import stamp
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


KIND_TOLD = {"backordered": "backordered", "delayed": "delayed", "on_its_way": "on its way"}
ANSWERS = {
    "keep_waiting": "keep waiting",
    "cancel": "cancel what waits",
    "opt_out": "no more emails",
}


def customer_story_text(stories: list[CustomerStory], tz: tzinfo) -> str | None:
    """What each customer was told, when and on whose word, and what they chose; None when
    nothing was ever written for them."""
    lines = [
        text
        for story in stories
        for text in (
            *(told_text(notice, tz) for notice in story.told),
            *(answer_text(answer, tz) for answer in story.answers),
        )
    ]
    return "*Customer*\n" + "\n".join(lines) if lines else None


def told_text(notice: ToldNotice, tz: tzinfo) -> str:
    """`📧 Told the customer: backordered (expected Fri 11 Dec) · Tue 1 Dec 10:12 · approved by
    @x`, or why they were not (yet) told."""
    what = KIND_TOLD.get(notice.kind, notice.kind)
    if notice.about_date is not None and notice.kind != "on_its_way":
        what += f" (expected {notice.about_date:%a} {notice.about_date.day} {notice.about_date:%b})"
    by = _decided_by(notice.decided_by)
    decided = stamp(notice.decided_at, tz) if notice.decided_at else ""
    if notice.status == "sent":
        sent = stamp(notice.sent_at or notice.created_at, tz)
        return f"📧 Told the customer: {what} · {sent} · {by}"
    if notice.status == "queued":
        return f"📧 Telling the customer: {what} · {by} {decided}".rstrip()
    if notice.status == "awaiting_approval":
        return f"⏳ Awaiting approval in the channel: {what} · since {stamp(notice.created_at, tz)}"
    if notice.status == "skipped":
        return f"🚫 Not told: {what} · skipped by {_person(notice.decided_by)} {decided}".rstrip()
    if notice.status == "withdrawn":
        return f"🚫 Not told: {what} · no longer applied when the batch was sent {decided}".rstrip()
    return f"🚫 Not told: {what} · the order was cancelled or the customer opted out first"


def answer_text(answer: CustomerAnswer, tz: tzinfo) -> str:
    """`🙋 The customer chose: keep waiting · Wed 2 Dec 08:00`."""
    chose = ANSWERS.get(answer.choice, answer.choice)
    return f"🙋 The customer chose: {chose} · {stamp(answer.at, tz)}"


def _decided_by(who: str | None) -> str:
    return "sent automatically" if who in (None, AUTO) else f"approved by {_person(who)}"


def _person(who: str | None) -> str:
    return f"<@{who}>" if who and who != AUTO else "the bot"
