"""The composition root: settings and config in, a wired bot out."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from bot.config import AppConfig
from bot.facade import Backorders, Clock, utc_now
from bot.http import HttpApp, WebhookEndpoint
from bot.metrics import Metrics
from bot.settings import Settings
from storage.db import Database, connect
from storage.migrate import schema_state, upgrade

log = logging.getLogger(__name__)


class SchemaOutOfDate(Exception):
    """The database needs migrations the bot will not apply by itself (PostgreSQL)."""


@dataclass
class Bot:
    settings: Settings
    config: AppConfig
    database: Database
    backorders: Backorders
    metrics: Metrics
    http: HttpApp

    def health(self) -> tuple[bool, dict[str, Any]]:
        try:
            with self.database.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as error:  # any failure means "not healthy", and says why
            return False, {"ok": False, "database": f"unreachable: {type(error).__name__}"}
        return True, {"ok": True, "database": "ok", "scheduler": "not running"}


def prepare_database(database: Database) -> None:
    """Upgrade an embedded SQLite database; refuse an out-of-date PostgreSQL one."""
    if database.is_sqlite:
        upgrade(database)
        return
    state = schema_state(database)
    if not state.up_to_date:
        raise SchemaOutOfDate(
            f"The database schema is at revision {state.current or 'none'} but this version of "
            f"the bot needs {state.head}. Run `python -m bot db upgrade` (a deploy step), then "
            "start the bot again."
        )


def build_bot(
    settings: Settings,
    config: AppConfig,
    clock: Clock = utc_now,
    database: Database | None = None,
) -> Bot:
    """Connect, check the schema and wire the HTTP front; nothing is served yet."""
    database = database or connect(settings.database_url)
    prepare_database(database)
    backorders = Backorders(database, clock)
    metrics = Metrics(overview=backorders.overview)
    webhooks = WebhookEndpoint(backorders.ingest, settings.webhook_secrets, metrics)
    bot = Bot(settings, config, database, backorders, metrics, http=None)  # type: ignore[arg-type]
    bot.http = HttpApp(webhooks, health=bot.health, metrics=metrics.render)
    return bot
