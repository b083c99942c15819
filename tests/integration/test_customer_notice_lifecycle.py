"""Model-based test of customer notices: nobody hears the same thing twice, nobody who opted out
hears anything.

A hypothesis state machine drives the bot's application service (`Backorders`, as webhooks,
Slack and the jobs call it, and the journey page's `CustomerDesk`) with a clock only rules move:
orders with and without an email and test orders, webhooks replayed and versions re-sent, store
and Slack cancellations (whole or one SKU), customers keeping waiting, cancelling or opting out,
time passing (past notice_delay, days, weeks), POs raised, approved and emailed (dates move),
suppliers' lead times changing and the weekly deadline passing (dates slip past promises),
receipts and restocks filling lines, the notices job (sometimes twice in a row, as two replicas
would), batches sent (sometimes by two clicks) or skipped, and the bot's outbox worker sending
through a real SMTP server that refuses now and then, or whose notice is not recorded sent
after its email went. The invariants, on what customers received, are checked after every
step (tests/support/notice_lifecycle_checks.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bot.facade import Backorders
from domain.errors import DomainError
from storage.db import Database
from tests.support.lifecycle import UNSENT, Faults, next_friday_15, reset
from tests.support.notice_lifecycle import (
    SKU_NAMES,
    SUPPLIER_EMAILS,
    RefusingInbox,
    open_batches,
    shop_catalog,
    shop_config,
    shop_outbox,
)
from tests.support.notice_lifecycle_checks import NoticeInvariants
from tests.support.notice_lifecycle_orders import BOSS, NEW_ORDER, NewOrder, StoresAndCustomers
from tests.support.smtp import smtp_server

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
MODE = st.sampled_from(["auto", "auto", "approve"])
LEAD_DAYS = st.sampled_from([2, 5, 9, 20])
STOCK = st.integers(min_value=0, max_value=3)
# From a few minutes (inside notice_delay) to over a week (past a deadline and promises).
SUPPLY = ("restock", "lead_time_changes", "po_raised_and_approved", "deadline", "receive")
PASSING = st.sampled_from([3, 11, 60, 60 * 24, 60 * 24 * 3, 60 * 24 * 8])
# Shrinking replays the machine hundreds of times: on with INVARIANTS_SHRINK=1, as for the PO
# lifecycle, to get the minimal sequence of a failure.
PHASES = tuple(Phase) if os.environ.get("INVARIANTS_SHRINK") else tuple(set(Phase) - {Phase.shrink})
NOTICE_SETTINGS = settings(
    max_examples=20,
    stateful_step_count=25,
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class NoticeLifecycle(StoresAndCustomers, NoticeInvariants, RuleBasedStateMachine):
    """The bot, a clock, a mail server that refuses when told to, and what customers got."""

    database: Database  # set by the test, per database
    inbox: RefusingInbox
    smtp_url: str

    def __init__(self) -> None:
        super().__init__()
        reset(self.database)
        self.inbox.messages.clear()
        self.inbox.refusals.plan = []
        self.now = T0
        self.serial = 1000
        self.shop, self.opted_out, self.read, self.received = {}, set(), {}, []
        self.write_faults = Faults()
        self.lead_days = dict.fromkeys(SUPPLIER_EMAILS, 5)

    def tick(self, minutes: int = 1) -> None:
        self.now += timedelta(minutes=minutes)

    @initialize(
        target=StoresAndCustomers.orders,
        backordered=MODE,
        delayed=MODE,
        on_its_way=MODE,
        delay=st.sampled_from(["0", "10m"]),
        ship_policy=st.sampled_from(["partial", "complete"]),
        stock=st.fixed_dictionaries({sku: STOCK for sku in SKU_NAMES}),
        first=st.lists(NEW_ORDER, min_size=1, max_size=3),
    )
    def open_the_shop(
        self,
        backordered: str,
        delayed: str,
        on_its_way: str,
        delay: str,
        ship_policy: str,
        stock: dict[str, int],
        first: list[NewOrder],
    ) -> Any:
        modes = {"backordered": backordered, "delayed": delayed, "on_its_way": on_its_way}
        note(f"notices {modes}, notice_delay {delay}, ship policy {ship_policy}, stock {stock}")
        config = shop_config(modes, delay, ship_policy)
        self.desk = Backorders(self.database, lambda: self.now, config, email_enabled=True)
        self.worker = shop_outbox(self.desk, self.smtp_url, self.write_faults)
        self.desk.import_catalog(shop_catalog(stock, self.lead_days))
        return multiple(*(self._new_order(*drawn) for drawn in first))

    # Time, and the catalog.

    @rule(minutes=PASSING, worker_busy=st.sampled_from([False, False, True]))
    def time_passes(self, minutes: int, worker_busy: bool) -> None:
        """Time passes with the bot running: its customer_notices job, then the outbox worker
        draining, or not yet (busy: what the job queued waits while orders change, and is
        checked again when it goes); the job and the worker also run alone, below."""
        drains = "the outbox waits" if worker_busy else "the outbox drains"
        note(f"{minutes} minutes pass; the customer_notices job runs and {drains}")
        self.tick(minutes)
        self.desk.send_customer_notices()
        if not worker_busy:
            self._drain()

    # Supply: one rule (hypothesis enables a random subset of rules per example: few rules
    # keep the ways to a customer's inbox open in most examples).

    @rule(what=st.sampled_from(SUPPLY), data=st.data())
    def supply(self, what: str, data: st.DataObject) -> None:
        """Restock, a supplier's lead time, a PO raised and approved (dates move), the weekly
        deadline (proposals approved), goods received."""
        getattr(self, what)(data)

    def restock(self, data: st.DataObject) -> None:
        """A catalog import with more of one SKU on the shelf: waiting lines are filled."""
        sku = data.draw(st.sampled_from(SKU_NAMES), label="sku")
        units = data.draw(st.integers(min_value=1, max_value=4), label="units")
        self._import({sku: units}, f"restock {units} {sku}")

    def lead_time_changes(self, data: st.DataObject) -> None:
        supplier = data.draw(st.sampled_from(sorted(SUPPLIER_EMAILS)), label="supplier")
        self.lead_days[supplier] = days = data.draw(LEAD_DAYS, label="days")
        self._import({}, f"{supplier}'s lead time is now {days} days")

    def _import(self, more: dict[str, int], what: str) -> None:
        on_hand = {sku: self.desk.sku(sku).on_hand + more.get(sku, 0) for sku in SKU_NAMES}
        self.tick()
        note(what)
        self.desk.import_catalog(shop_catalog(on_hand, self.lead_days))

    def po_raised_and_approved(self, data: st.DataObject) -> None:
        supplier = data.draw(st.sampled_from(sorted(SUPPLIER_EMAILS)), label="supplier")
        self.tick()
        try:
            view = self.desk.raise_po(supplier, BOSS.user)
            note(f"raise and approve a PO of {supplier}: {view.units} units")
            self.desk.approve_po(view.po_id, view.version, BOSS)
        except DomainError as error:
            note(f"{supplier}: {error}")
            event("nothing to order")

    def deadline(self, data: st.DataObject) -> None:
        """The weekly deadline proposes what waits; approvers approve every proposal."""
        self.now = next_friday_15(self.now) + timedelta(seconds=1)
        note(f"the deadline at {self.now:%a %d %b %H:%M}, proposals approved")
        self.desk.run_deadline()
        for view in self.desk.open_pos():
            if view.status == "proposed" and view.lines:
                self.desk.approve_po(view.po_id, view.version, BOSS)

    def receive(self, data: st.DataObject) -> None:
        arrived = [v for v in self.desk.open_pos() if v.number and v.status not in UNSENT]
        if not arrived:
            return
        view = data.draw(st.sampled_from(arrived), label="po")
        counts = st.integers(min_value=0, max_value=4)
        quantities = {
            line.line_id: data.draw(counts, label=line.sku)
            for line in view.lines
            if line.line_id is not None
        }
        close_rest = data.draw(st.booleans(), label="close the rest")
        self.tick()
        note(f"receive {view.number}: {quantities}, close the rest: {close_rest}")
        self.desk.receive_po(view.po_id, quantities, close_rest, BOSS)

    # The notices job, the team's batches, the outbox worker.

    @rule(minutes=PASSING, twice=st.booleans())
    def notices_job(self, minutes: int, twice: bool) -> None:
        """The job alone after a while (the worker idle or down)."""
        self.tick(minutes)
        note(f"{minutes} minutes on, the customer_notices job{' on two replicas' * twice}")
        written = self.desk.send_customer_notices()
        if twice:
            assert self.desk.send_customer_notices() == 0, "the second run wrote notices again"
        event(f"notices written: {min(written, 3)}{'+' if written > 3 else ''}")

    @precondition(lambda self: bool(open_batches(self.database)))
    @rule(data=st.data(), send=st.booleans(), double=st.booleans())
    def batch_decided(self, data: st.DataObject, send: bool, double: bool) -> None:
        batch = data.draw(st.sampled_from(open_batches(self.database)), label="batch")
        self.tick()
        note(f"{'Send all' if send else 'Skip'} on batch {batch}{' (double click)' * double}")
        first = self.desk.decide_notice_batch(batch, send, "U1")
        assert first.already_by is None, first
        if double:
            again = self.desk.decide_notice_batch(batch, send, "U2")
            assert again.already_by == "U1", again

    @rule(
        refusals=st.lists(st.booleans(), max_size=4),
        write_faults=st.lists(st.booleans(), max_size=2),
    )
    def outbox_delivers(self, refusals: list[bool], write_faults: list[bool]) -> None:
        self.inbox.refusals.plan = list(refusals)
        self.write_faults.plan = list(write_faults)
        note(f"outbox worker, SMTP refusing {refusals}, recording sent failing {write_faults}")
        self._drain()

    def _drain(self) -> None:
        for _ in range(40):  # retries are due at once (no backoff): until nothing is left
            if not self.worker.run_once():
                break


@pytest.fixture(scope="module")
def mail_server() -> Iterator[tuple[RefusingInbox, str]]:
    inbox = RefusingInbox()
    with smtp_server(inbox) as (_, url):
        yield inbox, url


def test_customers_never_hear_the_same_thing_twice_nor_after_opting_out(
    database: Database, mail_server: tuple[RefusingInbox, str]
) -> None:
    class OnThisDatabase(NoticeLifecycle):
        pass

    OnThisDatabase.database = database
    OnThisDatabase.inbox, OnThisDatabase.smtp_url = mail_server
    run_state_machine_as_test(OnThisDatabase, settings=NOTICE_SETTINGS)
