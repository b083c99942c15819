"""One policy's season: the demand stream into the bot, the jobs at the times they fire, the
team and the suppliers acting on what the bot posts, the outbox delivered every hour."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from bench.season_people import Delivery, Staff, Suppliers, WorkingHours
from bench.season_policies import Policy
from bench.season_shop import SeasonOrder, Shop
from bench.season_world import APPROVER, ShopBot
from bot.scheduling.calendar import deadline_calendar, digest_calendar
from domain.errors import DomainError
from domain.model import Delivery as Webhook
from domain.model import IncomingLine, IncomingOrder, OrderSource
from domain.po_refusals import Actor
from domain.purchasing import PoStatus

TICK = timedelta(hours=3)  # the 15 s and 15 min jobs run at this grain (see README)
NOTICES_EVERY = 2  # ticks: the 60 s customer-notices job every 6 hours
BUYER = Actor(APPROVER, is_approver=True)
APPROVAL_MEAN_H = 2.0
NOTICE_MEAN_H = 1.5
BUYER_MEAN_H = 1.0


@dataclass
class Record:
    """What the season saw happen, beside what the bot stored."""

    filled_at: dict[int, datetime] = field(default_factory=dict)  # line id: stopped waiting
    wait_cancels: int = 0  # orders (lines) given up because of the wait
    wait_cancelled_units: int = 0
    mind_changes: int = 0
    receipts: list[dict[str, Any]] = field(default_factory=list)
    decisions: dict[str, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # staff actions the bot refused
    messages_delivered: int = 0
    deadline_runs: int = 0
    updated: set[str] = field(default_factory=set)  # orders whose quantities changed
    broken: list[str] = field(default_factory=list)  # invariants seen broken on the way

    def count(self, what: str) -> None:
        self.decisions[what] = self.decisions.get(what, 0) + 1


class Season:
    """Drives one bot through the season under one policy."""

    def __init__(
        self, shop: Shop, policy: Policy, world: ShopBot, seed: int, start: datetime, days: int
    ) -> None:
        self.shop, self.policy, self.world = shop, policy, world
        self.desk, self.clock = world.desk, world.clock
        self.start, self.end = start, start + timedelta(days=days)
        self.hours = WorkingHours(self.desk.zone)
        self.staff = Staff(seed, self.hours)
        self.suppliers = Suppliers(seed, shop.habits)
        self.supplier_of = shop.supplier_of
        self.record = Record()
        self._events: list[tuple[datetime, int, Callable[..., None], tuple[Any, ...]]] = []
        self._seq = itertools.count()
        self._pos_seen: set[int] = set()  # proposals someone will decide
        self._pos_delivering: set[int] = set()  # sent POs whose goods are on their way
        self._batches_seen: set[int] = set()
        self._refused_at: dict[int, int] = {}  # proposals the bot refused to approve, by version
        self._changed = True  # something happened since the buffers job last ran

    # The calendar.

    def at(self, moment: datetime, action: Callable[..., None], *args: Any) -> None:
        heapq.heappush(self._events, (moment, next(self._seq), action, args))

    def run(self) -> Record:
        """The whole season, then the policy's next release with no new orders (`close`)."""
        self.desk.import_catalog(self.shop.catalog)
        self._schedule_jobs()
        orders = iter(self.shop.orders)
        upcoming = next(orders, None)
        tick, ticks = self.start, 0
        while tick < self.end:
            tick, ticks = tick + TICK, ticks + 1
            while upcoming is not None and upcoming.placed_at <= tick:
                self._due_before(upcoming.placed_at)
                self._arrive(upcoming)
                upcoming = next(orders, None)
            self._due_before(tick)
            self.clock.at(tick)
            self._interval_jobs(notices=ticks % NOTICES_EVERY == 0)
        return self.record

    def _due_before(self, moment: datetime) -> None:
        while self._events and self._events[0][0] <= moment:
            when, _, action, args = heapq.heappop(self._events)
            self.clock.at(when)
            action(*args)
            self._changed = True

    def _schedule_jobs(self) -> None:
        """The weekly jobs at their occurrences (`bot.scheduling.scheduler.job_specs`)."""
        config = self.desk.config
        deadline, digest = deadline_calendar(config), digest_calendar(config)
        reminder = timedelta(seconds=config.purchasing.reminder_before_s)
        moment, week = deadline.next_after(self.start), 0
        every = self.policy.deadline_every_weeks
        while every and moment < self.end:
            week += 1
            if week % every == 0:
                self.at(moment - reminder, self._job, "reminder", self.desk.remind_deadline)
                self.at(moment, self._deadline)
            moment = deadline.next_after(moment)
        moment = digest.next_after(self.start)
        while moment < self.end:
            self.at(moment, self._job, "digest", self.desk.post_digest)
            moment = digest.next_after(moment)

    def _job(self, name: str, job: Callable[[], object]) -> None:
        job()
        self.record.count(f"job:{name}")

    def _deadline(self) -> None:
        self.desk.run_deadline()
        self.record.deadline_runs += 1

    def _interval_jobs(self, notices: bool) -> None:
        """The interval jobs, the team's look at the channel, then the outbox."""
        if self._changed:  # both are no-ops on an unchanged database
            self.desk.check_buffers()
            self.desk.flush_summaries()
            self._changed = False
        if notices:
            self.desk.send_customer_notices()
        self._look_at_channel()
        self.record.messages_delivered += self.world.deliver()
        self._stock_never_negative()

    def _stock_never_negative(self) -> None:
        with self.world.database.engine.connect() as conn:
            lowest = conn.execute(text("SELECT min(on_hand) FROM products")).scalar()
        if lowest is not None and lowest < 0 and not self.record.broken:
            self.record.broken.append(f"stock below zero at {self.clock():%Y-%m-%d %H:%M}")

    def close(self) -> None:
        """No more orders: the policy's next release (the buyer's pending raises, the next
        deadline run), after which every waiting unit should be on a PO."""
        pending, self._events = self._events, []
        for when, _, action, args in sorted(pending, key=lambda event: event[:2]):
            if action == self._buy_for:
                self.clock.at(when)
                action(*args)
        every = self.policy.deadline_every_weeks
        if every:
            calendar = deadline_calendar(self.desk.config)
            moment = calendar.next_after(self.clock())
            while self._weeks_since_start(moment) % every:  # the policy's next run
                moment = calendar.next_after(moment)
            self.clock.at(moment)
            self._deadline()
        self.desk.check_buffers()
        self.world.deliver()

    def _weeks_since_start(self, moment: datetime) -> int:
        calendar = deadline_calendar(self.desk.config)
        first, weeks = calendar.next_after(self.start), 1
        while first < moment:
            first, weeks = calendar.next_after(first), weeks + 1
        return weeks

    # Customers.

    def _arrive(self, order: SeasonOrder) -> None:
        self.clock.at(order.placed_at)
        self._changed = True
        result = self.desk.ingest(webhook(order, order.placed_at))
        if order.updated_at is not None:
            self.at(order.updated_at, self._update, order)
        if order.changes_mind_at is not None:
            self.at(order.changes_mind_at, self._change_mind, order)
        self.at(order.placed_at + timedelta(days=order.patience_days), self._patience, order)
        if result.newly_waiting and self.policy.raise_per_order:
            suppliers = sorted({self.supplier_of[sku] for sku, _ in order.lines})
            self.at(self.staff.acts_at(order.placed_at, BUYER_MEAN_H), self._buy_for, suppliers)

    def _update(self, order: SeasonOrder) -> None:
        self.record.updated.add(order.number)
        (sku, units), *rest = order.lines
        bigger = SeasonOrder(order.number, order.placed_at, ((sku, units + 1), *rest), 0)
        self.desk.ingest(webhook(bigger, self.clock(), stage=1))

    def _change_mind(self, order: SeasonOrder) -> None:
        """The customer cancels in the store, whatever the wait: the store's webhook."""
        self._watching(lambda: self.desk.ingest(webhook(order, self.clock(), cancelled=True)))
        self.record.mind_changes += 1

    def _patience(self, order: SeasonOrder) -> None:
        """Still waiting after the customer's patience: the waiting lines are cancelled."""
        waiting = self._waiting_lines(order.number)
        for sku, units in waiting:
            self._watching(lambda sku=sku: self.desk.cancel_order(order.number, sku))
            self.record.wait_cancels += 1
            self.record.wait_cancelled_units += units

    def _waiting_lines(self, number: str) -> list[tuple[str, int]]:
        query = text(
            "SELECT l.sku, l.waiting_qty FROM order_lines l JOIN orders o ON o.id = l.order_id "
            "WHERE o.number = :n AND l.waiting_qty > 0 AND l.cancelled_at IS NULL "
            "AND o.cancelled_at IS NULL"
        )
        with self.world.database.engine.connect() as conn:
            return [(str(sku), int(units)) for sku, units in conn.execute(query, {"n": number})]

    def _watching(self, change: Callable[[], object]) -> None:
        """Run a change that may fill waiting lines; note when each stopped waiting."""
        before = self._waiting_ids()
        change()
        now = self.clock()
        for line_id in before - self._waiting_ids():
            self.record.filled_at[line_id] = now

    def _waiting_ids(self) -> set[int]:
        with self.world.database.engine.connect() as conn:
            rows = conn.execute(text("SELECT id FROM order_lines WHERE waiting_qty > 0"))
            return {int(row[0]) for row in rows}

    # The team.

    def _look_at_channel(self) -> None:
        """Proposals to decide, POs sent (goods now on their way), notice batches to approve."""
        now = self.clock()
        for po_id, status, supplier, sent_at, version in self._open_pos():
            if status == PoStatus.PROPOSED and po_id not in self._pos_seen:
                if self._refused_at.get(po_id) == version:
                    continue  # refused as it stands (no lines): looked at again once it changes
                self._pos_seen.add(po_id)
                self.at(self.staff.acts_at(now, APPROVAL_MEAN_H), self._decide, po_id)
            elif status == PoStatus.SENT and po_id not in self._pos_delivering:
                self._pos_delivering.add(po_id)
                self._expect_goods(po_id, supplier, sent_at or now)
        for batch_id in self._open_batches():
            if batch_id not in self._batches_seen:
                self._batches_seen.add(batch_id)
                self.at(self.staff.acts_at(now, NOTICE_MEAN_H), self._decide_notices, batch_id)

    def _open_pos(self) -> list[tuple[int, str, str, datetime | None, int]]:
        """The POs the channel shows as proposed or sent (what the team sees in Slack)."""
        query = text(
            "SELECT p.id, p.status, s.name, p.sent_at, p.version FROM purchase_orders p "
            "JOIN suppliers s ON s.id = p.supplier_id WHERE p.status IN ('proposed', 'sent')"
        )
        with self.world.database.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [(int(i), str(st), str(name), _utc(at), int(v)) for i, st, name, at, v in rows]

    def _open_batches(self) -> list[int]:
        query = text("SELECT id FROM notice_batches WHERE status = 'awaiting_approval'")
        with self.world.database.engine.connect() as conn:
            return [int(row[0]) for row in conn.execute(query)]

    def _decide(self, po_id: int) -> None:
        """Approve (most), adjust a line by a case and approve, or hold to the next deadline."""
        self._pos_seen.discard(po_id)  # proposed again later (after a hold): decided again
        view = self.desk.po(po_id)
        if view is None or view.status is not PoStatus.PROPOSED:
            return
        choice = self.staff.decision()
        if choice == "adjust" and not view.lines:
            choice = "approve"  # nothing to adjust on an emptied proposal (the bot refuses it)
        try:
            if choice == "hold":
                self.desk.hold_po(po_id, view.version, BUYER)
            else:
                if choice == "adjust":
                    view = self.desk.adjust_po(
                        po_id, view.version, self._adjusted(view), "season: by a case", BUYER
                    )
                self.desk.approve_po(po_id, view.version, BUYER)
            self.record.count(choice)
        except DomainError as refused:
            self.record.refused.append(f"{choice} {po_id}: {refused}")
            self._refused_at[po_id] = view.version

    def _adjusted(self, view: Any) -> dict[int, int]:
        line = view.lines[0]
        up = self.staff.adjusts_up() or line.quantity <= line.case_pack
        return {line.line_id: line.quantity + (line.case_pack if up else -line.case_pack)}

    def _buy_for(self, suppliers: Iterable[str]) -> None:
        """The per-order buyer: raise each supplier's PO now and approve it at once."""
        for supplier in suppliers:
            try:
                view = self.desk.raise_po(supplier, APPROVER)
                self.desk.approve_po(view.po_id, view.version, BUYER)
                self.record.count("raise+approve")
            except DomainError:
                self.record.count("nothing to raise")

    def _decide_notices(self, batch_id: int) -> None:
        send = not self.staff.skips_notices()
        self.desk.decide_notice_batch(batch_id, send, APPROVER)
        self.record.count("notices sent" if send else "notices skipped")

    # The suppliers.

    def _expect_goods(self, po_id: int, supplier: str, sent_at: datetime) -> None:
        delivery = self.suppliers.delivery(supplier)
        arrives = self.hours.next_open(sent_at + timedelta(days=delivery.lead_days))
        self.at(arrives, self._receive, po_id, delivery, True)

    def _receive(self, po_id: int, delivery: Delivery, first: bool) -> None:
        """Goods in: all of it, or a share of each line (the rest later, or closed)."""
        view = self.desk.po(po_id)
        if view is None or view.status is not PoStatus.SENT:
            return
        short = first and delivery.short_share is not None
        share = delivery.short_share if short and delivery.short_share else 1.0
        quantities = {
            line.line_id: int(line.outstanding * share) for line in view.lines if line.line_id
        }
        close_rest = short and delivery.rest_after_days is None
        self._watching(
            lambda: self.desk.receive_po(po_id, quantities, close_rest, BUYER, all_arrived=False)
        )
        now = self.clock()
        if short and delivery.rest_after_days is not None:
            rest = self.hours.next_open(now + timedelta(days=delivery.rest_after_days))
            self.at(rest, self._receive, po_id, delivery, False)
        if first:
            sent = view.sent_at or now
            self.record.receipts.append(
                {
                    "po_id": po_id,
                    "supplier": view.supplier,
                    "lead_days": (now - sent).total_seconds() / 86400,
                    "late": delivery.late,
                    "short": short,
                    "closed_rest": close_rest,
                }
            )


def _utc(value: Any) -> datetime | None:
    """A timestamp as SQLite returns it to a bare query."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def webhook(order: SeasonOrder, at: datetime, cancelled: bool = False, stage: int = 0) -> Webhook:
    """The store's webhook for this order as it stands at `at`."""
    incoming = IncomingOrder(
        source=OrderSource.GENERIC,
        external_id=f"season-{order.number}",
        number=order.number,
        placed_at=order.placed_at,
        updated_at=at,
        cancelled=cancelled,
        lines=tuple(
            IncomingLine(str(i), sku, f"Season product {sku}", units, position=i)
            for i, (sku, units) in enumerate(order.lines, 1)
        ),
        customer=f"Customer {order.number}",
        customer_email=f"c{order.number}@customers.example",
        customer_first_name="Sam",
        stage=2 if cancelled else stage,
        cancelled_at=at if cancelled else None,
    )
    topic = "orders/cancelled" if cancelled else "orders/updated" if stage else "orders/create"
    return Webhook(OrderSource.GENERIC, f"season-{order.number}-{at.timestamp()}", topic, incoming)
