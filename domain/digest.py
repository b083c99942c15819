"""The weekly digest: once per week in the channel, with its workbook in the thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.notifications import SLACK_FILE, SLACK_POST, Outbound
from domain.ports import UnitOfWork
from domain.views import Digest


def post_digest(
    uow: UnitOfWork,
    key: str,
    week: tuple[datetime, datetime],
    now: datetime,
    channel: str,
    render: Callable[[Digest], dict[str, Any]],
    build: Callable[[], Digest],
    once: bool = True,
) -> bool:
    """Queue the digest of `week` (start, end) under `key`; with `once`, only once per key.

    `build` reads the numbers before the writing transaction starts, so SQLite's single
    writer is not held while a large history is aggregated.
    """
    digest = build()
    with uow:
        if once and not uow.periods.claim(key, now):
            return False
        uow.outbox.add(Outbound(SLACK_POST, channel, render(digest), key), now)
        workbook = {
            "builder": f"digest:{week[0].isoformat()}/{week[1].isoformat()}",
            "filename": f"backorder-digest-{week[1]:%Y-%m-%d}.xlsx",
            "title": f"Backorder digest, week to {week[1]:%d %b %Y}",
            "initial_comment": "The full detail: every open line, suppliers, cancellations.",
            "thread_of": key,
        }
        uow.outbox.add(Outbound(SLACK_FILE, channel, workbook, f"{key}:file"), now)
        uow.commit()
    return True
