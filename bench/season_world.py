"""The bot as a shop runs it, in one process: `bot.app.build_bot` on a fresh SQLite file, a
Slack Web API and an SMTP server on loopback, and a clock the season moves by hand. The
outbox workers deliver what the bot queued (proposals, PO workbooks, summaries, customer
emails) whenever the season says so; no scheduler thread runs and nothing sleeps."""

from __future__ import annotations

import asyncio
import socket
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from aiosmtpd.controller import Controller

from bot.app import Bot, build_bot
from bot.config import AppConfig, parse_config
from bot.console.local_slack import LocalSlack
from bot.facade import Backorders
from bot.settings import settings_from_env
from storage.db import Database, connect
from storage.migrate import upgrade

CHANNEL = "C0PURCHASE"
APPROVER = "U0BUYER"
SHOP_FROM = "Season Shop <shop@season.example>"
DELIVERY_ROUNDS = 200  # bounds one delivery; what is left waits for the next


class VirtualClock:
    """The season's `now`: the desk, the workers and the jobs all read it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def at(self, moment: datetime) -> None:
        """Move to `moment`; time never goes back."""
        self.now = max(self.now, moment)


class CountingInbox:
    """The SMTP server's side: takes every message and counts it."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        await asyncio.sleep(0)
        return "250 Message accepted for delivery"


class Loopback(AbstractContextManager["Loopback"]):
    """The local Slack and the mail server, shared by every policy of the run."""

    def __init__(self) -> None:
        self.inbox = CountingInbox()
        self.slack = LocalSlack(token_required=False)
        self.mail = Controller(self.inbox, hostname="127.0.0.1", port=free_port())
        self._stack = ExitStack()

    def __enter__(self) -> Self:
        self._stack.enter_context(self.slack)
        self.mail.start()
        self._stack.callback(self.mail.stop)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def smtp_url(self) -> str:
        return f"smtp://{self.mail.hostname}:{self.mail.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def shop_config(timezone: str, promise_days: int) -> AppConfig:
    """The shop's app.yaml: a Friday deadline, customers told by email after approval."""
    return parse_config(
        {
            "slack": {"channel": CHANNEL, "approvers": [APPROVER]},
            "timezone": timezone,
            "purchasing": {"deadline": "fri 15:00", "reminder_before": "2h"},
            "summaries": {"batch_every": "15m"},
            "digest": {"schedule": "mon 09:00"},
            "customers": {
                "from": SHOP_FROM,
                "promise_days": promise_days,
                "notice_delay": "10m",
                "notices": {"backordered": "approve", "delayed": "approve", "on_its_way": "off"},
            },
        }
    )


@dataclass
class ShopBot:
    """One policy's bot: its database, its desk and its outbox workers."""

    bot: Bot
    database: Database
    clock: VirtualClock

    @property
    def desk(self) -> Backorders:
        return self.bot.backorders

    def deliver(self) -> int:
        """Each outbox worker sends until nothing more is due now (a `run_once` sends each
        channel's next message); returns the messages tried."""
        sent = 0
        for worker in self.bot.workers:
            for _ in range(DELIVERY_ROUNDS):
                tried = worker.run_once()
                if not tried:
                    break
                sent += tried
        return sent

    def close(self) -> None:
        self.database.dispose()


def start_bot(folder: Path, loopback: Loopback, config: AppConfig, clock: VirtualClock) -> ShopBot:
    """A fresh, migrated SQLite file and the bot on it, wired as `python -m bot run` wires it."""
    url = f"sqlite:///{folder / 'season.db'}"
    database = connect(url)
    upgrade(database)
    env = {
        "SLACK_BOT_TOKEN": "xoxb-season",
        "SLACK_SIGNING_SECRET": "season-signing-secret",
        "SLACK_API_URL": loopback.slack.api_url,
        "SMTP_URL": loopback.smtp_url,
        "DATABASE_URL": url,
    }
    bot = build_bot(settings_from_env(env), config, clock, database, outbox_pace_s=0)
    return ShopBot(bot, database, clock)
