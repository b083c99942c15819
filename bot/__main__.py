"""`python -m bot`: run the bot, or one of the operator commands (`--help` lists them)."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import Bot, SchemaOutOfDate, SlackSettingsMissing, build_bot, prepare_database
from bot.config import ConfigError, load_config, parse_duration
from bot.console.session import run_console
from bot.jobs import JOBS, install
from bot.reconciling import NO_STORES, reconcile, stores_from
from bot.scheduling.leader import who_leads
from bot.scheduling.scheduler import describe, job_specs, stored_runs
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from domain.errors import DomainError
from domain.wording import plural
from handlers.stores import StoreRefused, StoreUnavailable
from storage.catalog_csv import known_suppliers, read_catalog_file
from storage.db import DatabaseUnavailable, connect, safe_url
from storage.migrate import schema_state, upgrade

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # waitress logs every queued request under load; the webhook latency histogram says more.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    try:
        return int(args.func(args) or 0)
    except (
        ConfigError,
        DatabaseUnavailable,
        SchemaOutOfDate,
        SlackSettingsMissing,
        DomainError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.set_defaults(func=run)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    commands.add_parser(
        "run", help="run the bot (the default): Slack with SLACK_BOT_TOKEN, else the console"
    ).set_defaults(func=run)
    commands.add_parser(
        "console", help="chat with the bot in this terminal (no Slack workspace needed)"
    ).set_defaults(func=console)
    importer = commands.add_parser(
        "import", help="import a catalog: workbook (.xlsx), Shopify product export or CSV"
    )
    importer.add_argument("file", help="workbook with Suppliers and Products sheets, or a .csv")
    importer.set_defaults(func=import_file)
    reconcile = commands.add_parser(
        "reconcile", help="read orders the stores changed lately from their APIs and ingest them"
    )
    reconcile.add_argument(
        "--since", type=_window, help="how far back, e.g. 2d or 6h (default: since the last run)"
    )
    reconcile.set_defaults(func=reconcile_stores)
    jobs_cmd = commands.add_parser("jobs", help="scheduled jobs: list, run NAME")
    jobs_actions = jobs_cmd.add_subparsers(title="jobs commands", metavar="ACTION", required=True)
    jobs_actions.add_parser("list", help="each job and its next run").set_defaults(func=jobs_list)
    runner = jobs_actions.add_parser("run", help="run a job now (the running bot delivers)")
    runner.add_argument("name", choices=sorted(JOBS))
    runner.set_defaults(func=jobs_run)
    db = commands.add_parser("db", help="database schema: upgrade, status")
    db_commands = db.add_subparsers(title="db commands", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(func=db_upgrade)
    db_commands.add_parser("status", help="show the schema revision").set_defaults(func=db_status)
    return parser


def run(_args: argparse.Namespace) -> int:
    """Slack when a bot token is set (Socket Mode with an app token); the console otherwise."""
    settings = settings_from_env()
    config = load_config(settings.config_path)
    if settings.slack_bot_token is None:
        return run_console(settings, config, sys.stdin, sys.stdout)
    bot = build_bot(settings, config)
    server = HttpServer(bot.http, settings.host, settings.port)
    socket_mode = _connect_socket_mode(bot) if settings.slack_app_token else None
    mode = "Socket Mode" if socket_mode else "HTTP (Request URL: /slack/events)"
    log.info(
        "Slack by %s; database %s; HTTP on %s:%s",
        mode,
        safe_url(settings.database_url),
        settings.host,
        server.port,
    )
    bot.start_background()
    try:
        server.serve_forever()
    finally:
        if socket_mode is not None:
            socket_mode.close()
        bot.stop_background()
    return 0


def console(_args: argparse.Namespace) -> int:
    settings = settings_from_env()
    return run_console(settings, load_config(settings.config_path), sys.stdin, sys.stdout)


def _connect_socket_mode(bot: Bot) -> SocketModeHandler:
    """Connect in the background, retrying: Slack being away must not stop the webhooks."""
    assert bot.slack is not None and bot.settings.slack_app_token
    handler = SocketModeHandler(bot.slack, bot.settings.slack_app_token)

    def connect() -> None:
        delay = 5.0
        while True:
            try:
                handler.connect()  # returns once connected; events arrive on its own threads
                log.info("Socket Mode connected")
                return
            except Exception as error:
                log.error("Socket Mode could not connect (%s); retrying in %.0f s", error, delay)
                time.sleep(delay)
                delay = min(delay * 2, 300)

    threading.Thread(target=connect, name="socket-mode", daemon=True).start()
    return handler


def _offline_bot() -> Bot:
    """The bot's services on its database, without Slack or a server: for operator commands."""
    settings = settings_from_env()
    return build_bot(settings, load_config(settings.config_path), slack_token=None)


def jobs_list(_args: argparse.Namespace) -> int:
    settings = settings_from_env()
    config = load_config(settings.config_path)
    database = connect(settings.database_url)
    prepare_database(database)
    print(f"Scheduled jobs ({config.timezone.key}):")
    for line in describe(job_specs(config), stored_runs(database), datetime.now(UTC)):
        print(f"  {line}")
    leader = who_leads(database)
    if leader is not None:
        print(f"Scheduler run by: {leader}")
    return 0


def jobs_run(args: argparse.Namespace) -> int:
    bot = _offline_bot()
    install(bot.backorders)
    outcome = JOBS[args.name]()
    pending, _ = bot.outbox.backlog()
    print(f"Ran {args.name}: {_said(outcome)}. {plural(pending, 'message')} waiting in the outbox.")
    return 0


def _said(outcome: object) -> str:
    if isinstance(outcome, list):
        return "; ".join(map(str, outcome)) or "nothing to do (already done this period?)"
    if isinstance(outcome, bool):
        return "done" if outcome else "already done this period"
    return "done"


def import_file(args: argparse.Namespace) -> int:
    """As from the console: new stock fills waiting lines and the channel hears who can ship."""
    bot = _offline_bot()
    backorders = bot.backorders
    lead_time = bot.config.purchasing.default_lead_time_days
    read = read_catalog_file(args.file, known_suppliers(bot.database), lead_time)
    result = backorders.import_catalog(read.catalog)
    for note in read.notes:
        print(f"Note: {note}.")
    print(
        f"Imported {args.file}: {plural(result.suppliers, 'supplier')}, "
        f"{plural(result.products_added, 'product')} added, {result.products_updated} updated."
    )
    if result.ready_orders:
        ready = plural(result.ready_orders, "order")
        print(f"{ready} can ship now: the running bot tells {backorders.channel}.")
    return 0


def _window(text: str) -> timedelta:
    try:
        return timedelta(seconds=parse_duration(text, "--since"))
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def reconcile_stores(args: argparse.Namespace) -> int:
    """Each store's changed orders, ingested as webhooks are; 2 when a store refuses the keys."""
    stores = stores_from(settings_from_env())
    if not stores:
        print(f"error: {NO_STORES}", file=sys.stderr)
        return 2
    backorders = _offline_bot().backorders
    status = 0
    for store in stores:
        try:
            tally = reconcile(backorders, [store], args.since)[0]
        except (StoreRefused, StoreUnavailable) as error:
            print(f"error: {error}", file=sys.stderr)
            status = 2 if isinstance(error, StoreRefused) else max(status, 1)
            continue
        print(f"{tally}.")
        for refusal in tally.refused:
            print(f"  refused {refusal}")
    return status


def db_upgrade(_args: argparse.Namespace) -> int:
    database = connect(settings_from_env().database_url)
    upgrade(database)
    print(f"Database is at revision {schema_state(database).current}.")
    return 0


def db_status(_args: argparse.Namespace) -> int:
    state = schema_state(connect(settings_from_env().database_url))
    verdict = "up to date" if state.up_to_date else "needs `python -m bot db upgrade`"
    print(f"Schema revision {state.current or 'none'}, code needs {state.head}: {verdict}.")
    return 0 if state.up_to_date else 1


if __name__ == "__main__":
    sys.exit(main())
