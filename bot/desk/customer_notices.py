"""Customers in the loop at the desk: the job that writes due notices (queued for email, or put
to the channel in a batch), and the team's Send all, Skip and Preview on a batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from bot.delivery.customer_notices import (
    BATCH_DECIDED,
    BATCH_GREW,
    NOTICE_BATCH,
    CustomerLetters,
    batch_key,
)
from bot.delivery.customer_reach import CustomerReach
from bot.desk.base import DeskBase
from bot.scheduling.calendar import next_weekly
from domain import lead_times
from domain.customer_notices import (
    Mode,
    NoticeIntent,
    NoticeKind,
    NoticePolicy,
    OrderFacts,
    due_notices,
    still_holds,
)
from domain.customer_story import CustomerStory
from domain.errors import NotFound
from domain.notifications import Notice
from domain.order_refs import OrderRef
from storage.customer_notices import OPEN, Batch, SqlCustomerNotices
from storage.customer_notices_audit import SqlCustomerAudit
from storage.customer_notices_batches import SqlNoticeBatches
from storage.store_notes import noticed_orders, order_sources
from storage.unit_of_work import SqlUnitOfWork

JOIN_WITHIN = timedelta(hours=1)  # later notices join a batch posted this recently


@dataclass(frozen=True)
class BatchOutcome:
    kind: str
    size: int
    already_by: str | None  # someone decided it before this click
    withdrawn: int = 0  # no longer applied when sent: skipped
    changed: Batch | None = None  # grown since the clicked message: as it stands, undecided


class CustomerNoticesDesk(DeskBase):
    journey_url: Callable[[int], str] = staticmethod(lambda order_id: f"/o/{order_id}")

    def notice_policy(self) -> NoticePolicy:
        settings = self.config.customers
        return NoticePolicy(
            delay=timedelta(seconds=settings.notice_delay_s),
            modes=settings.notices,
            slip_margin=timedelta(days=settings.delay_margin_days),
            partial=self.config.ship_policy == "partial",
        )

    def customer_reach(self) -> CustomerReach:
        """How customers hear (email, or their store's customer note) and who cannot."""
        return CustomerReach(
            self.config.customers, self.purchasing.email_enabled, self.config.write_back
        )

    def send_customer_notices(self) -> int:
        """Write every notice due now, once (the database refuses a second of the same kind,
        lines and date); auto kinds are queued, the others put to the channel in a batch.
        Customers nobody can reach (no `customers.from` or no SMTP_URL, and no customer note
        for their store) get no notice."""
        reach = self.customer_reach()
        if not reach.anyone:
            return 0  # the shop tells no customers
        now, policy = self.clock(), self.notice_policy()
        expected = self._expected_dates(now)
        with self._writer() as uow:
            SqlNoticeBatches(uow.tx).one_writer_at_a_time()  # before reading what was written
            store = SqlCustomerNotices(uow.tx)
            orders = _reachable(uow, store.orders_to_consider(), reach)
            orders = [_with_dates(order, expected) for order in orders]
            past = store.past([order.order_id for order in orders])
            due = [
                intent
                for order in orders
                for intent in due_notices(order, past.get(order.order_id, []), now, policy)
            ]
            written = self._write(uow, store, due, policy, now)
            uow.commit()
        return written

    def _write(
        self,
        uow: SqlUnitOfWork,
        store: SqlCustomerNotices,
        due: list[NoticeIntent],
        policy: NoticePolicy,
        now: datetime,
    ) -> int:
        modes = [policy.mode(intent.kind) is Mode.AUTO for intent in due]
        statuses = ["queued" if auto else "awaiting_approval" for auto in modes]
        written = store.write_all(list(zip(due, statuses, strict=True)), now)
        batches: dict[NoticeKind, list[int]] = {}
        queued: list[int] = []
        for intent, auto, notice_id in zip(due, modes, written, strict=True):
            if notice_id is None:
                continue  # another run wrote it
            if auto:
                queued.append(notice_id)
            else:
                batches.setdefault(intent.kind, []).append(notice_id)
        self.customer_reach().queue(uow, queued, now)
        for kind, ids in batches.items():
            self._put_to_channel(uow, store, kind, ids, now)
        return sum(notice_id is not None for notice_id in written)

    def _put_to_channel(
        self,
        uow: SqlUnitOfWork,
        store: SqlCustomerNotices,
        kind: NoticeKind,
        ids: list[int],
        now: datetime,
    ) -> None:
        """Join the open batch of this kind posted within the hour (its message updated), else
        post a new one: the channel gets one message, not one a minute."""
        batches = SqlNoticeBatches(uow.tx)
        batch = batches.open_batch(kind.value, now - JOIN_WITHIN)
        if batch is None:
            batch_id = store.new_batch(kind.value, ids, now)
            facts = {"batch_id": batch_id}
            uow.outbox.add(Notice(NOTICE_BATCH, self.channel, facts, batch_key(batch_id)), now)
            return
        version = batches.join(batch, ids)
        facts = {"batch_id": batch.batch_id}
        key = f"{batch_key(batch.batch_id)}:v{version}"
        uow.outbox.add(Notice(BATCH_GREW, self.channel, facts, key), now)

    def _expected_dates(self, now: datetime) -> dict[int, tuple[date, bool]]:
        """Every waiting line's expected date, and whether a PO covers it."""
        deadline_at = next_weekly(now, self.config.purchasing.deadline, self.zone)
        default = self.config.purchasing.default_lead_time_days
        found: dict[int, tuple[date, bool]] = {}
        with self._reader() as uow:
            buffers = {b.terms.supplier_id: b for b in uow.purchasing.buffers()}
            pos = uow.etas.on_order(now)
            leads: dict[int, lead_times.LeadTimes] = {}
            for line in uow.etas.queue():
                buffer = buffers[line.supplier_id]
                if line.supplier_id not in leads:
                    days = buffer.terms.lead_time_days or default
                    leads[line.supplier_id] = lead_times.supplier_lead_times(
                        uow, line.supplier_id, days
                    )
                release = lead_times.next_release(buffer, now, deadline_at)
                eta = lead_times.expected_date(
                    line.ahead,
                    line.waiting,
                    pos.get(line.product_id, []),
                    release,
                    leads[line.supplier_id],
                    now=now,
                )
                local = eta.expected_at.astimezone(self.zone).date()
                found[line.line_id] = (local, eta.po_number is not None)
        return found

    def decide_notice_batch(
        self, batch_id: int, send: bool, by: str, version: int | None = None
    ) -> BatchOutcome:
        """Send all (the notices queued for email) or Skip (none sent): once, whoever clicks,
        on the version of the batch they saw (`changed` if notices joined it since)."""
        now = self.clock()
        expected = self._expected_dates(now) if send else {}
        with self._writer() as uow:
            store = SqlCustomerNotices(uow.tx)
            moot = _no_longer_apply(uow, batch_id, expected) if send else frozenset()
            decided = store.decide(batch_id, "sent" if send else "skipped", by, now, moot, version)
            batch = store.batch(batch_id)
            if batch is None:
                raise NotFound(f"No notice batch {batch_id}.")
            if decided is None and batch.status == OPEN:  # grown since, still undecided
                return BatchOutcome(batch.kind, batch.size, None, changed=batch)
            if decided is None:
                return BatchOutcome(batch.kind, batch.size, batch.decided_by)
            if send:
                self.customer_reach().queue(uow, list(decided), now)
            facts = {"batch_id": batch_id}
            uow.outbox.add(
                Notice(BATCH_DECIDED, self.channel, facts, f"{batch_key(batch_id)}:decided"), now
            )
            uow.commit()
        return BatchOutcome(batch.kind, batch.size - len(moot), None, len(moot))

    def customer_story(self, number: str) -> list[CustomerStory]:
        """What each customer of the orders called `number` was told, and what they chose."""
        ref = OrderRef.parse(number)
        with self._reader() as uow:
            return SqlCustomerAudit(uow.tx).stories(ref.number, ref.source)

    def preview_notice_batch(self, batch_id: int) -> str:
        """One notice of the batch, as its customer would read it: the email, or the store's
        customer note for a customer told by note (`customers.tell_by`)."""
        with self._reader() as uow:
            first = SqlCustomerNotices(uow.tx).first_of_batch(batch_id)
            found = noticed_orders(uow.tx, [first]).get(first) if first is not None else None
        if first is None:
            raise NotFound(f"No notice batch {batch_id}.")
        letters = CustomerLetters(self.database, self.config, self.journey_url)
        if found is not None and found.source in self.config.customers.by_customer_note:
            return letters.note_preview(first, found.source)
        return letters.preview(first, self.clock())


def _reachable(
    uow: SqlUnitOfWork, orders: list[OrderFacts], reach: CustomerReach
) -> list[OrderFacts]:
    """The orders whose customers the bot can tell, one way or the other."""
    if reach.emails:
        return orders
    sources = order_sources(uow.tx, [order.order_id for order in orders])
    return [order for order in orders if reach.reaches(sources.get(order.order_id, ""))]


def _with_dates(order: OrderFacts, expected: dict[int, tuple[date, bool]]) -> OrderFacts:
    lines = tuple(
        replace(line, expected_on=expected[line.line_id][0], on_po=expected[line.line_id][1])
        if line.line_id in expected
        else line
        for line in order.lines
    )
    return replace(order, lines=lines)


def _no_longer_apply(
    uow: SqlUnitOfWork, batch_id: int, expected: dict[int, tuple[date, bool]]
) -> frozenset[int]:
    """The batch's notices whose facts no longer hold: lines filled or cancelled since, the
    order cancelled, the customer opted out, a delay moved back within the promise."""
    pending = SqlNoticeBatches(uow.tx).pending(batch_id)
    orders = SqlCustomerNotices(uow.tx).orders(sorted({n.order_id for n in pending}))
    return frozenset(
        notice.notice_id
        for notice in pending
        if notice.order_id not in orders
        or not still_holds(
            notice.kind,
            notice.line_ids,
            notice.about_date,
            _with_dates(orders[notice.order_id], expected),
        )
    )
