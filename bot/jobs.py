"""The scheduled jobs: thin, importable functions (the persistent job store keeps references
to them by name, `bot.jobs:deadline`, so this module does not move into `bot/scheduling/`)
that call the bot's services. `install` tells them which bot they serve."""

from __future__ import annotations

from collections.abc import Callable

from bot import reconciling
from bot.facade import Backorders

_desk: Backorders | None = None


def install(desk: Backorders) -> None:
    global _desk
    _desk = desk


def _current() -> Backorders:
    if _desk is None:
        raise RuntimeError("no bot installed for the scheduled jobs")
    return _desk


def deadline() -> object:
    """The weekly PO deadline: every buffer is proposed (or approved, with auto_approve)."""
    return _current().run_deadline()


def reminder() -> object:
    """Before the deadline: what it will propose, and proposals awaiting approval."""
    return _current().remind_deadline()


def digest() -> object:
    """The weekly digest in the channel, with its workbook in the thread."""
    return _current().post_digest()


def summary() -> object:
    """New backorders since the last summary: the channel's summary is due (one at a time;
    the outbox worker takes what is queued when it sends it)."""
    return _current().flush_summaries()


def buffers() -> object:
    """Open proposals follow their buffers; a buffer at its minimum is proposed early."""
    return _current().check_buffers()


def reconcile() -> object:
    """Orders the stores changed since the last run, read from their APIs: webhooks missed some?"""
    return reconciling.reconcile_logged(_current())


def customer_notices() -> object:
    """Notices customers are owed now: queued for email, or put to the channel for approval."""
    return _current().send_customer_notices()


JOBS: dict[str, Callable[[], object]] = {
    "deadline": deadline,
    "reminder": reminder,
    "digest": digest,
    "summary": summary,
    "buffers": buffers,
    "reconcile": reconcile,
    "customer_notices": customer_notices,
}
