"""The store hears what a customer was told (`stores.write_back`): WooCommerce a customer note
on the order (which it emails), Shopify a tag and a line in the order's note.

Each is an outbox notice of its own (`store.order_note`), queued in the transaction that
queues the customer's email and keyed per store, order, kind, date and notice, so a replay or a
second replica never queues it twice; it travels in its own outbox channel per store
(`store:shopify`, `store:woocommerce`), so a store that is down or refuses the keys delays only
its own writes, never Slack or email. Refused keys wait (retried with backoff, logged, and shown
on /healthz) until someone fixes them; a write the store refuses for good is set aside.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.delivery.customer_notices import notice_holds, settle_notice
from bot.delivery.slack_delivery import NotReady
from bot.desk.base import Clock, utc_now
from bot.settings import Settings
from domain.notifications import Notice
from handlers.stores.http import StoreRefused
from handlers.stores.order_notes import customer_note, staff_note_line, tags_for
from handlers.stores.shopify_writes import ShopifyOrderMarks, ShopifyRejected
from handlers.stores.woocommerce_writes import WooCommerceNotes
from storage.customer_notices import WITHDRAWN, NoticeToSend, SqlCustomerNotices
from storage.db import Database
from storage.outbox import QueuedMessage
from storage.store_notes import noticed_order
from storage.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)
STORE_NOTE = "store.order_note"  # {notice_id, order_id (the store's), kind}
CUSTOMER_NOTE = "customer.store_note"  # {notice_id, order_id}: the notice itself, as the note
UNTOLD = ("skipped", "withdrawn", "cancelled")  # the customer was not told after all


def store_channel(source: str) -> str:
    return f"store:{source}"


def queue_store_note(
    uow: SqlUnitOfWork, notice_id: int, now: datetime, write_back: frozenset[str]
) -> None:
    """Queue the store's note for this customer notice, when its store is written back to."""
    if not write_back:
        return
    found = noticed_order(uow.tx, notice_id)
    if found is None or found.source not in write_back:
        return
    facts = {"notice_id": notice_id, "order_id": found.external_id, "kind": found.kind}
    where = f"{found.source}:{found.external_id}"
    # The notice stands for its lines (one per kind, lines and date): its id keeps the key short.
    key = f"store_note:{where}:{found.kind}:{found.about_date}:notice{notice_id}"
    uow.outbox.add(Notice(STORE_NOTE, store_channel(found.source), facts, key), now)


class StoreWrites:
    """The outbox's way for `store.order_note` and `customer.store_note` (the notice told as
    the store's customer note); every other kind goes to `rest`."""

    def __init__(
        self,
        rest: Callable[[QueuedMessage], dict[str, Any]],
        database: Database,
        journey_url: Callable[[int], str],
        shopify: ShopifyOrderMarks | None,
        woocommerce: WooCommerceNotes | None,
        clock: Clock = utc_now,
    ) -> None:
        self.rest = rest
        self.clock = clock
        self.database = database
        self.journey_url = journey_url
        self.shopify = shopify
        self.woocommerce = woocommerce
        self.refused: dict[str, str] = {}  # store: why it refused, until it accepts again
        self._lock = threading.Lock()

    def __call__(self, message: QueuedMessage) -> dict[str, Any]:
        if message.kind == CUSTOMER_NOTE:
            return self._tell(message)
        if message.kind != STORE_NOTE:
            return self.rest(message)
        notice = self._notice(int(message.payload["notice_id"]))
        if notice.status in UNTOLD or notice.cancelled:
            return {"not_written": "the customer was not told"}
        return self._write_to_store(message, notice, for_customer=False)

    def _tell(self, message: QueuedMessage) -> dict[str, Any]:
        """The notice told as the store's customer note (no email from us), and marked sent in
        the transaction that settles its outbox row. The note is read back before it is
        written, so a retry after a lost answer does not write it twice."""
        notice_id = int(message.payload["notice_id"])
        notice = self._notice(notice_id)
        if notice.status != "queued" or notice.opted_out or notice.cancelled or not notice.email:
            moot = {"not_written": "moot"}
            return settle_notice(self.database, message, notice_id, "cancelled", moot, self.clock())
        if not notice_holds(self.database, notice):  # lines filled, cut or cancelled since
            moot = {"not_written": "no longer true"}
            return settle_notice(self.database, message, notice_id, WITHDRAWN, moot, self.clock())
        result = self._write_to_store(message, notice, for_customer=True)
        return settle_notice(self.database, message, notice_id, "sent", result, self.clock())

    def _write_to_store(
        self, message: QueuedMessage, notice: NoticeToSend, for_customer: bool
    ) -> dict[str, Any]:
        """The store's note: the customer's own (`customers.tell_by`), or the staff's record
        of what our email told them."""
        source = message.channel.removeprefix("store:")
        order_id = str(message.payload["order_id"])
        try:
            result = self._write(source, order_id, notice, for_customer)
        except StoreRefused as error:
            log.error("write-back to %s waits until the keys work: %s", source, error)
            with self._lock:
                self.refused[source] = str(error)
            raise
        except ShopifyRejected as error:
            raise NotReady(str(error), never=True) from error
        with self._lock:
            self.refused.pop(source, None)
        return result

    def health(self) -> dict[str, Any]:
        """For /healthz: the stores whose keys were refused at the last try."""
        with self._lock:
            return {"store_write_back": dict(self.refused)} if self.refused else {}

    def _notice(self, notice_id: int) -> NoticeToSend:
        with SqlUnitOfWork(self.database, read_only=True) as uow:
            found = SqlCustomerNotices(uow.tx).notice(notice_id)
        if found is None:
            raise NotReady(f"customer notice {notice_id} does not exist", never=True)
        return found

    def _write(
        self, source: str, order_id: str, notice: NoticeToSend, for_customer: bool
    ) -> dict[str, Any]:
        if source == "woocommerce":
            if self.woocommerce is None:
                raise StoreRefused("WOOCOMMERCE_URL, WOOCOMMERCE_KEY and WOOCOMMERCE_SECRET unset")
            if not for_customer:  # our email told them: a private note, WooCommerce emails nobody
                line = staff_note_line(notice.kind, notice.lines, notice.about_date)
                return {"note": self.woocommerce.add_private_note(order_id, line)}
            if notice.opted_out:  # WooCommerce emails a customer note
                return {"not_written": "the customer asked for no more emails"}
            text = customer_note(
                notice.kind,
                notice.lines,
                notice.about_date,
                notice.reason,
                self.journey_url(notice.order_id),
            )
            return {"note": self.woocommerce.add_customer_note(order_id, text)}
        if source == "shopify":
            if self.shopify is None:
                raise StoreRefused("SHOPIFY_SHOP and SHOPIFY_ADMIN_TOKEN are not set")
            tags = tags_for(notice.kind)
            if tags:
                self.shopify.add_tags(order_id, tags)
            line = staff_note_line(notice.kind, notice.lines, notice.about_date)
            return {"tags": tags, "note": self.shopify.add_note_line(order_id, line)}
        raise NotReady(f"no write-back to {source!r} orders", never=True)


def with_store_writes(
    rest: Callable[[QueuedMessage], dict[str, Any]],
    settings: Settings,
    database: Database,
    journey_url: Callable[[int], str],
) -> StoreWrites:
    """The stores' clients from the same keys reconciliation uses."""
    shopify = ShopifyOrderMarks(settings.shopify) if settings.shopify else None
    woocommerce = WooCommerceNotes(settings.woocommerce) if settings.woocommerce else None
    return StoreWrites(rest, database, journey_url, shopify, woocommerce)
