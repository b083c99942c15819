"""`python -m bot`: run the bot, or one of the operator commands (`--help` lists them)."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.app import SchemaOutOfDate, build_bot
from bot.config import ConfigError, load_config
from bot.server import HttpServer
from bot.settings import settings_from_env
from domain.errors import DomainError
from domain.services import import_catalog
from storage.catalog_workbook import read_catalog
from storage.db import connect
from storage.migrate import schema_state, upgrade
from storage.unit_of_work import SqlUnitOfWork

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
    except (ConfigError, SchemaOutOfDate, DomainError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.set_defaults(func=run)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    commands.add_parser("run", help="run the bot (the default)").set_defaults(func=run)
    importer = commands.add_parser("import", help="import a catalog workbook (.xlsx)")
    importer.add_argument("file", help="workbook with Suppliers and Products sheets")
    importer.set_defaults(func=import_file)
    db = commands.add_parser("db", help="database schema: upgrade, status")
    db_commands = db.add_subparsers(title="db commands", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(func=db_upgrade)
    db_commands.add_parser("status", help="show the schema revision").set_defaults(func=db_status)
    return parser


def run(_args: argparse.Namespace) -> int:
    settings = settings_from_env()
    bot = build_bot(settings, load_config(settings.config_path))
    server = HttpServer(bot.http, settings.host, settings.port)
    if settings.slack_bot_token is None:
        print(
            "Backorder Bot: no SLACK_BOT_TOKEN, so Slack is off; "
            f"store webhooks on http://{settings.host}:{server.port}/webhooks/..."
        )
    log.info(
        "database %s; listening on %s:%s",
        _safe_url(settings.database_url),
        settings.host,
        server.port,
    )
    server.serve_forever()
    return 0


def import_file(args: argparse.Namespace) -> int:
    settings = settings_from_env()
    database = connect(settings.database_url)
    from bot.app import prepare_database

    prepare_database(database)
    catalog = read_catalog(args.file)
    result = import_catalog(SqlUnitOfWork(database), catalog)
    print(
        f"Imported {args.file}: {result.suppliers} suppliers, "
        f"{result.products_added} products added, {result.products_updated} updated."
    )
    return 0


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


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
