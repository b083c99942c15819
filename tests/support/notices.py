"""What the channel will read: every queued notice rendered as the outbox worker renders it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from bot.config import parse_config
from bot.delivery.notices import Notices
from bot.delivery.rendered import Post
from storage.db import Database
from storage.models import OutboxRow
from storage.outbox import QueuedMessage

CONFIG = parse_config({"slack": {"channel": "C0PURCHASE"}, "timezone": "UTC"})


def queued(database: Database) -> list[QueuedMessage]:
    """Every outbox row, oldest first, whatever its status."""
    with database.reader.connect() as conn:
        rows = conn.execute(select(OutboxRow.__table__).order_by(OutboxRow.id)).mappings()
        return [
            QueuedMessage(
                row["id"],
                row["channel"],
                row["kind"],
                json.loads(row["payload"]),
                row["dedupe_key"],
                row["attempts"],
            )
            for row in rows
        ]


def channel_posts(database: Database, now: datetime | None = None) -> str:
    """The text of every queued post, rendered now as it would be sent."""
    notices = Notices(database, lambda: now or datetime.now(UTC), CONFIG)
    rendered = [notices.render(message) for message in queued(database)]
    return "\n".join(
        json.dumps({"text": r.text, "blocks": r.blocks}, ensure_ascii=False)
        for r in rendered
        if isinstance(r, Post)
    )
