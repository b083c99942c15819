"""What `GET /healthz` says: 200 while the database answers (503 otherwise), "degraded" when
someone has to act: Slack needs a hand, a store refused its key, or a kind of message has
waited in the outbox past its threshold (a worker stalled, a mail server trickling)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from bot.delivery.customer_notices import AUDIENCE as CUSTOMERS
from bot.delivery.lanes import LEGACY_EMAIL, SLACK, STORES
from domain.notifications import SUPPLIERS
from storage.outbox import Channels

if TYPE_CHECKING:
    from bot.app import Bot

# Each kind of outbox message, by the worker lane it goes through.
KINDS = {
    "slack": SLACK,
    "email": Channels(frozenset({SUPPLIERS, LEGACY_EMAIL})),
    "customers": Channels(frozenset({CUSTOMERS})),
    "stores": STORES,
}
# How long a kind's oldest message may wait before /healthz says "degraded": past Slack's
# longest pause (15 min), a 4,000-notice batch at a slow mail server, a store's backoff.
STALE_AFTER = {
    "slack": timedelta(minutes=20),
    "email": timedelta(minutes=30),
    "customers": timedelta(minutes=60),
    "stores": timedelta(minutes=60),
}


def health(bot: Bot) -> tuple[bool, dict[str, Any]]:
    """Serving (HTTP 200) while the database answers, and what needs a hand."""
    try:
        with bot.database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        pending, oldest = bot.outbox.backlog()
        waiting = outbox_waiting(bot.outbox.oldest_pending(KINDS), bot.backorders.clock())
    except Exception as error:  # any failure means "not healthy", and says why
        return False, {"ok": False, "database": f"unreachable: {type(error).__name__}"}
    running = bot.scheduler is not None and bot.scheduler.running
    check = bot.slack_check
    stores = bot.store_writes.health() if bot.store_writes is not None else {}
    stale = [kind for kind, age in waiting.items() if age is not None and _stale(kind, age)]
    degraded = (check is not None and check.degraded) or bool(stores) or bool(stale)
    return True, {
        "ok": True,
        "status": "degraded" if degraded else "ok",
        "database": "ok",
        "scheduler": "running" if running else "stopped",
        "scheduler_role": bot.lead.role if bot.lead is not None else "off",  # leader, standby
        "outbox_pending": pending,
        "outbox_oldest": oldest.isoformat() if oldest else None,
        "outbox_waiting_s": waiting,
        **({"outbox_stale": stale} if stale else {}),
        **(check.health() if check is not None else {}),
        **stores,
        **bot.backorders.customer_reach().health(),  # customers nobody can tell
    }


def outbox_waiting(oldest: dict[str, datetime | None], now: datetime) -> dict[str, int | None]:
    """Seconds each kind's oldest pending message has waited (None: nothing waits)."""
    return {
        kind: None if at is None else max(0, int((now - _aware(at)).total_seconds()))
        for kind, at in oldest.items()
    }


def _stale(kind: str, age_s: int) -> bool:
    return age_s > STALE_AFTER[kind].total_seconds()


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
