"""The customer-notice machine's invariants, checked after every step, on what customers
received (a mixin: the machine in tests/integration/test_customer_notice_lifecycle.py keeps the
model these read)."""

from __future__ import annotations

from collections import Counter

from hypothesis import event
from hypothesis.stateful import invariant

from storage.db import Database
from tests.support.notice_lifecycle import (
    Heard,
    customer_mail,
    emails_in_flight,
    filled_lines,
    heard,
    notice_statuses,
    rows,
)
from tests.support.notice_lifecycle_orders import ShopOrder
from tests.support.smtp import Inbox


class NoticeInvariants:
    """What every customer's inbox must show, whatever stores, people, jobs and the mail
    server did."""

    database: Database
    inbox: Inbox
    shop: dict[str, ShopOrder]
    opted_out: set[str]
    read: dict[str, int]  # per invariant: how many customer emails it has looked at
    received: list[Heard]  # every customer email so far, as read

    def _everything_heard(self) -> list[Heard]:
        """Every customer email so far, each read once."""
        mail = customer_mail(self.inbox)
        self.received += [heard(message) for message in mail[len(self.received) :]]
        return self.received

    def _new_mail(self, reader: str) -> list[Heard]:
        """Customer emails that arrived since `reader` last looked (in the step just made)."""
        everything = self._everything_heard()
        new = everything[self.read.get(reader, 0) :]
        self.read[reader] = len(everything)
        return new

    def _order_of(self, email: Heard) -> ShopOrder:
        found = [o for o in self.shop.values() if o.email == email.to]
        assert found, f"an email went to {email.to}, the address of no order"
        return found[0]

    @invariant()
    def nobody_is_told_the_same_thing_twice(self) -> None:
        """(a) No customer gets two emails of one kind for the same items and date."""
        told = Counter(email.thing for email in self._everything_heard())
        twice = [thing for thing, times in told.items() if times > 1]
        assert not twice, f"a customer was told this more than once: {twice}"

    @invariant()
    def no_email_after_an_opt_out(self) -> None:
        """(b) Once a customer asked for no more emails, none arrives for that order."""
        for email in self._new_mail("opt_out"):
            number = self._order_of(email).number
            assert number not in self.opted_out, f"{email.kind} to {email.to} after the opt-out"

    @invariant()
    def only_real_orders_with_an_address_hear(self) -> None:
        """(c) Nothing for test orders or orders without an email; each email to its order's
        customer."""
        for email in self._new_mail("real orders"):
            shop_order = self._order_of(email)
            assert shop_order.email and not shop_order.test, (shop_order, email)
            number = self._number(email.order_id)
            assert number == shop_order.number, f"{email.to} got order {number}'s {email.kind}"

    def _number(self, order_id: int) -> str:
        found = rows(self.database, "SELECT number FROM orders WHERE id = :i", i=order_id)
        return str(found[0][0]) if found else "(none)"

    @invariant()
    def every_email_is_a_notice_marked_sent(self) -> None:
        """(d) Each email is one notice marked sent; once the outbox has no customer email
        left to try, each notice marked sent was emailed exactly once."""
        statuses = notice_statuses(self.database)
        emailed = Counter(email.notice_id for email in self._everything_heard())
        for notice_id, times in emailed.items():
            assert statuses.get(notice_id) == "sent", (notice_id, statuses.get(notice_id))
            assert times == 1, f"notice {notice_id} was emailed {times} times"
        if emails_in_flight(self.database) == 0:
            marked = {i for i, status in statuses.items() if status == "sent"}
            assert marked == set(emailed), f"sent without an email: {marked - set(emailed)}"

    @invariant()
    def on_its_way_only_for_filled_lines(self) -> None:
        """(e) "On its way" names only lines with nothing waiting, not cancelled, as they are
        when it arrives."""
        for email in self._new_mail("on_its_way"):
            event(f"customer emailed: {email.kind}")
            if email.kind != "on_its_way":
                continue
            filled = filled_lines(self.database, email.order_id)
            unfilled = sorted(item for item in email.items if not filled.get(item, False))
            assert not unfilled, f"'on its way' to {email.to} for {unfilled}, not filled"
