"""The composition root: settings and config in, a wired bot out."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App
from slack_sdk import WebClient

from bot import jobs
from bot.config import AppConfig
from bot.delivery.customer_notices import CustomerDeliveries, CustomerLetters, CustomerMail
from bot.delivery.deliveries import Deliveries, EmailNotConfigured, EmailRecords
from bot.delivery.email_delivery import EmailDelivery, EmailRejected, SmtpSettings
from bot.delivery.lanes import MAIL, MAIL_AND_STORES, SLACK, STORE_PACE_SHARE
from bot.delivery.legacy import UnknownNotice
from bot.delivery.notices import Notices
from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.slack_delivery import SlackDelivery
from bot.delivery.store_writes import StoreWrites, with_store_writes
from bot.facade import Backorders, Clock, utc_now
from bot.health import health
from bot.journey_tokens import SECRET_NAME, JourneyLinks, new_secret
from bot.metrics import Metrics
from bot.scheduling.leader import AdvisoryLock, SchedulerLead
from bot.scheduling.scheduler import build_scheduler
from bot.scheduling.scheduler import start as start_scheduler
from bot.settings import Settings
from bot.slack_check import SlackCheck
from bot.web.http import HttpApp, WebhookEndpoint
from bot.web.journey import JourneyDoor
from bot.web.journey_desk import CustomerDesk
from bot.web.slack_app import build_slack_app, claim_after_ack, delivery_client
from bot.web.slack_door import SlackDoor
from handlers.approvers import Approvers
from storage.db import Database, connect
from storage.migrate import schema_state, upgrade
from storage.outbox import OutboxStore, QueuedMessage
from storage.slack_replays import SlackReplays
from storage.stored_secrets import stored_secret

log = logging.getLogger(__name__)


class SchemaOutOfDate(Exception):
    """The database needs migrations the bot will not apply by itself (PostgreSQL)."""


class SlackSettingsMissing(Exception):
    """Slack is half configured; the message says which variable to set."""


@dataclass
class Bot:
    settings: Settings
    config: AppConfig
    database: Database
    backorders: Backorders
    metrics: Metrics
    outbox: OutboxStore
    http: HttpApp = field(init=False)
    slack: App | None = None
    worker: OutboxWorker | None = None  # the outbox's Slack channels
    mail_worker: OutboxWorker | None = None  # its emails and store notes, on a thread of their own
    lead: SchedulerLead | None = None  # runs the scheduler while this replica leads
    slack_check: SlackCheck | None = None
    store_writes: StoreWrites | None = None  # write-back to the stores, through the outbox
    deliveries: Deliveries | None = None  # Slack and suppliers' emails, with what is recorded
    delivery_client: WebClient | None = None  # the outbox's own Slack client (no retries)
    journey: JourneyLinks = field(init=False)  # journey_url(order_id) for customers' emails

    def health(self) -> tuple[bool, dict[str, Any]]:
        """What `GET /healthz` answers (bot/health.py)."""
        return health(self)

    @property
    def scheduler(self) -> BackgroundScheduler | None:
        """The scheduler, while this replica runs it (bot/scheduling/leader.py)."""
        return self.lead.scheduler if self.lead is not None else None  # type: ignore[return-value]

    @property
    def workers(self) -> list[OutboxWorker]:
        """The outbox's workers: Slack's first, then the mail server's and the stores'."""
        return [w for w in (self.worker, self.mail_worker) if w is not None]

    def start_background(self) -> None:
        """Slack's check, the outbox workers and the scheduler: what runs besides requests."""
        if self.slack_check is not None:
            self.slack_check.start()
        for worker in self.workers:
            worker.start()
        if self.lead is not None:
            jobs.install(self.backorders)
            self.lead.start()

    def stop_background(self) -> None:
        if self.slack_check is not None:
            self.slack_check.stop()
        if self.lead is not None:
            self.lead.stop()
        for worker in self.workers:
            worker.stop()


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
    *,
    slack_token: str | None = None,
    listener_executor: Executor | None = None,
    outbox_pace_s: float = 1.0,
) -> Bot:
    """Connect, check the schema, wire HTTP, Slack, the outbox worker and the scheduler."""
    database = database or connect(settings.database_url)
    prepare_database(database)
    backorders = Backorders(database, clock, config, email_enabled=settings.smtp_url is not None)
    backorders.customer_reach().say_at_start()  # customers.from without SMTP_URL: logged
    outbox = OutboxStore(database)
    metrics = Metrics(overview=backorders.overview, outbox=outbox.backlog)
    bot = Bot(settings, config, database, backorders, metrics, outbox)
    webhooks = WebhookEndpoint(backorders.ingest, settings.webhook_secrets, metrics, clock)
    token = slack_token or settings.slack_bot_token
    routes = {}
    if token:
        bot.slack = _slack_app(bot, token, listener_executor)
        if slack_token is None and not settings.slack_app_token:
            # Only in HTTP mode: in Socket Mode and the console nothing may arrive this way.
            replays = SlackReplays(database)
            claim_after_ack(bot.slack, replays, clock)
            door = SlackDoor(bot.slack, _signing_secret(settings), replays, clock, after_ack=True)
            routes["/slack/events"] = door
        bot.slack_check = SlackCheck(bot.slack.client, config.slack.channel)
        backorders.channel_id = lambda: bot.slack_check.channel_id if bot.slack_check else None
        bot.worker, bot.mail_worker = _outbox_workers(bot, settings, clock, outbox_pace_s)
    bot.lead = SchedulerLead(
        AdvisoryLock.on(database), lambda: _scheduler(database, config), settings.scheduler_retry_s
    )
    bot.journey = journey_links(settings, config, database, clock)
    # Every link the desk words (Preview, the worker's emails) is the signed one, console or not.
    backorders.journey_url = bot.journey.journey_url  # type: ignore[method-assign]
    door = JourneyDoor(bot.journey, CustomerDesk(backorders))
    bot.http = HttpApp(
        webhooks,
        bot.health,
        metrics.render,
        routes,
        metrics_token=settings.metrics_token,
        prefix_routes={"/o/": door, "/feeds/": door},
    )
    return bot


def _scheduler(database: Database, config: AppConfig) -> BackgroundScheduler:
    """A new scheduler on the job store, started (a stopped one cannot start again)."""
    scheduler = build_scheduler(database, config)
    start_scheduler(scheduler, config)
    return scheduler


def journey_links(
    settings: Settings, config: AppConfig, database: Database, clock: Clock = utc_now
) -> JourneyLinks:
    """Customers' links: signed with JOURNEY_SECRET, else a secret made once and kept in the
    database (every replica signs alike; replacing it revokes every link sent)."""
    secret = settings.journey_secret or stored_secret(database, SECRET_NAME, new_secret, clock())
    base = config.customers.journey_base_url or f"http://localhost:{settings.port}"
    return JourneyLinks(secret, base)


def _slack_app(bot: Bot, token: str, listener_executor: Executor | None) -> App:
    slack = bot.config.slack
    return build_slack_app(
        bot.backorders,
        Approvers(frozenset(slack.approvers), slack.approvers_group),
        token,
        _signing_secret(bot.settings),
        bot.settings.slack_api_url,
        listener_executor,
    )


def _outbox_workers(
    bot: Bot, settings: Settings, clock: Clock, pace_s: float
) -> tuple[OutboxWorker, OutboxWorker]:
    """Two workers sending one way: Slack's channels, paced at `pace_s`; and emails (unpaced:
    the SMTP server sets the pace) with the stores' notes, on a thread of their own."""
    deliver, first_failure = _outbox_way(bot, settings, clock)
    check = bot.slack_check
    assert check is not None

    def worker(pace: float, **lane: Any) -> OutboxWorker:
        return OutboxWorker(
            bot.outbox,
            deliver,
            clock,
            pace_s=pace,
            home_channel=bot.config.slack.channel,
            permanent=(EmailRejected, EmailNotConfigured, UnknownNotice),
            on_first_failure=first_failure,
            ready=check.ready,
            **lane,
        )

    mail = worker(
        pace_s * STORE_PACE_SHARE, served=MAIL_AND_STORES, unpaced=MAIL, name="outbox-mail"
    )
    return worker(pace_s, served=SLACK), mail


def _outbox_way(
    bot: Bot, settings: Settings, clock: Clock
) -> tuple[StoreWrites, Callable[[QueuedMessage, str], None]]:
    """Notices rendered by the registry when they are sent, to Slack, by email when SMTP_URL
    is set, and to the stores; and what a supplier's first failed email tells the team."""
    desk = bot.backorders
    assert bot.slack is not None and bot.slack_check is not None
    notices = Notices(desk.database, clock, bot.config)

    def first_failure(message: QueuedMessage, error: str) -> None:
        if notices.is_letter(message):
            desk.email_delayed(int(message.payload["po_id"]), error)

    email = EmailDelivery(_smtp(settings)) if settings.smtp_url else None
    client = delivery_client(bot.slack.client.token, settings.slack_api_url)
    bot.delivery_client = client
    slack = SlackDelivery(client, bot.outbox, bot.slack_check.channel_for)
    records = EmailRecords(desk.database, desk.purchasing, clock)
    bot.deliveries = deliveries = Deliveries(notices, slack, email, records)
    customers = with_customers(deliveries, bot, slack, email, clock)

    def journey_url(order_id: int) -> str:
        return desk.journey_url(order_id)  # looked up when sent: signed once the bot has its secret

    bot.store_writes = with_store_writes(customers, settings, desk.database, journey_url)
    return bot.store_writes, first_failure


def _smtp(settings: Settings) -> SmtpSettings:
    try:
        return SmtpSettings.from_url(settings.smtp_url or "")
    except ValueError as error:
        raise SlackSettingsMissing(f"SMTP_URL is not usable: {error}") from error


def _signing_secret(settings: Settings) -> str:
    if settings.slack_signing_secret:
        return settings.slack_signing_secret
    if settings.slack_app_token or not settings.slack_bot_token:
        # Socket Mode and the console: /slack/events is not served, so nothing is signed.
        return secrets.token_hex(32)
    raise SlackSettingsMissing(
        "SLACK_SIGNING_SECRET is required when Slack calls the bot over HTTP "
        "(or set SLACK_APP_TOKEN to use Socket Mode instead)."
    )


def with_customers(
    deliveries: Deliveries,
    bot: Bot,
    slack: SlackDelivery,
    email: EmailDelivery | None,
    clock: Clock,
) -> CustomerDeliveries:
    """Customer notices by email (and their Slack batches) before every other kind; their
    links are the journey page's, signed when the bot has its secret."""
    desk = bot.backorders

    def journey_url(order_id: int) -> str:
        return desk.journey_url(order_id)  # signed, once build_bot has the journey's secret

    letters = CustomerLetters(desk.database, desk.config, journey_url)
    mail = CustomerMail(email, desk.config) if email else None
    return CustomerDeliveries(deliveries, letters, mail, slack, clock)
