"""How each customer hears a notice: our email (`customers.from` over SMTP_URL), or, for the
stores in `customers.tell_by` (WooCommerce: `customer_note`), the store's customer note, which
the store emails itself. One way per notice, never both.

Without a way to reach them, no notice is prepared for a store's customers: a notice that could
only wait in the outbox forever is not written at all (said once in the log and on /healthz).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.config_customers import CustomerSettings
from bot.delivery.customer_notices import AUDIENCE, CUSTOMER_EMAIL
from bot.delivery.store_writes import CUSTOMER_NOTE, queue_store_note, store_channel
from domain.notifications import Notice
from storage.store_notes import noticed_orders
from storage.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CustomerReach:
    """Which customers the bot can tell, from the settings and whether SMTP_URL is set."""

    settings: CustomerSettings
    smtp: bool
    write_back: frozenset[str] = frozenset()

    @property
    def emails(self) -> bool:
        return bool(self.settings.from_address) and self.smtp

    @property
    def anyone(self) -> bool:
        return self.emails or bool(self.settings.by_customer_note)

    def reaches(self, source: str) -> bool:
        """Whether a customer of this store can be told at all."""
        return self.emails or not self.settings.by_email(source)

    def gap(self) -> str | None:
        """What the shop asked for but cannot have: customers who would be emailed without
        SMTP_URL (None when every customer the shop wants told can be)."""
        if self.smtp or not self.settings.from_address:
            return None
        notes = sorted(self.settings.by_customer_note)
        told = f"only {' and '.join(notes)} orders' customers hear (by customer note)"
        return (
            "customer emails cannot go: SMTP_URL is not set, so no notice is prepared for "
            f"customers told by email ({told if notes else 'nobody hears'})"
        )

    def health(self) -> dict[str, str]:
        gap = self.gap()
        return {"customer_emails": gap} if gap else {}

    def say_at_start(self) -> None:
        gap = self.gap()
        if gap:
            log.warning("%s", gap)

    def queue(self, uow: SqlUnitOfWork, notice_ids: list[int], now: datetime) -> None:
        """Each notice queued one way: the store's customer note, or our email (and then the
        store's own note, if `stores.write_back` asked for one)."""
        by_note = self.settings.by_customer_note
        found = noticed_orders(uow.tx, notice_ids) if by_note else {}
        notes = [i for i in notice_ids if i in found and found[i].source in by_note]
        emails = [i for i in notice_ids if i not in set(notes)] if notes else notice_ids
        uow.outbox.add_all(
            [
                Notice(CUSTOMER_EMAIL, AUDIENCE, {"notice_id": i}, f"customer_notice:{i}")
                for i in emails
            ],
            now,
        )
        for notice_id in emails:
            queue_store_note(uow, notice_id, now, self.write_back)
        uow.outbox.add_all(
            [
                Notice(
                    CUSTOMER_NOTE,
                    store_channel(found[i].source),
                    {"notice_id": i, "order_id": found[i].external_id},
                    f"customer_notice:{i}",
                )
                for i in notes
            ],
            now,
        )
