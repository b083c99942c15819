"""The scheduled jobs: thin, importable functions (the persistent job store keeps references
to them by name) that call the bot's services. `install` tells them which bot they serve."""

from __future__ import annotations

from collections.abc import Callable

from bot.facade import Backorders

_desk: Backorders | None = None


def install(desk: Backorders) -> None:
    global _desk
    _desk = desk


def _current() -> Backorders:
    if _desk is None:
        raise RuntimeError("no bot installed for the scheduled jobs")
    return _desk


def deadline() -> None:
    """The weekly PO deadline: every buffer is proposed (or approved, with auto_approve)."""
    _current().run_deadline()


def reminder() -> None:
    """Before the deadline: what it will propose, and proposals awaiting approval."""
    _current().remind_deadline()


def digest() -> None:
    """The weekly digest in the channel, with its workbook in the thread."""
    _current().post_digest()


def summary() -> None:
    """New backorders since the last summary, in one channel message."""
    _current().flush_summaries()


def buffers() -> None:
    """Open proposals follow their buffers; a buffer at its minimum is proposed early."""
    _current().check_buffers()


JOBS: dict[str, Callable[[], None]] = {
    "deadline": deadline,
    "reminder": reminder,
    "digest": digest,
    "summary": summary,
    "buffers": buffers,
}
