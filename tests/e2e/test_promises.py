"""Over real HTTP, Slack and the CLI on SQLite and PostgreSQL: every waiting line carries a
promised ship-by date, and `/backorders order` shows it beside the expected date. The order's own
date wins; else the product's promise_days, else the supplier's (from the catalog), else 30 days.

The bot's clock is Mon 2 Nov 2026 09:01; the next PO goes on Fri 6 Nov with a 7-day lead time,
so waiting lines are expected about Fri 13 Nov."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from bot.app import build_bot
from bot.config import parse_config
from bot.console.local_slack import LocalSlack
from bot.settings import settings_from_env
from bot.web.server import HttpServer
from storage.db import Database
from tests.e2e.conftest import CONFIG, SECRETS, RunningBot
from tests.e2e.test_cli import bot_command
from tests.e2e.test_order_by_store import ask
from tests.e2e.test_reconciled_digest import posted_digest
from tests.support.builders import T0, catalog, minutes
from tests.support.http import generic_order, request, signed_generic


def post_order(bot: RunningBot, order_id: str, *lines: dict[str, object], **fields: object) -> None:
    body = generic_order(order_id, **fields, lines=list(lines))
    assert request(f"{bot.url}/webhooks/orders", body, signed_generic(body)).status == 200


def journeys(bot: RunningBot, slack: LocalSlack, number: str) -> dict[str, str]:
    """`/backorders order <number>`: each waiting line's journey under *When*, by SKU."""
    answer = ask(bot, slack, f"order {number}", f"order-{number}")
    text = "\n".join(str(block.get("text", {}).get("text", "")) for block in answer["blocks"])
    when = text.split("*When*\n", 1)[1].splitlines()
    return {line.split("`")[1]: line for line in when if line.startswith("`")}


def test_an_order_that_states_its_date_shows_it_and_a_late_one_is_flagged(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    post_order(slack_bot, "P-1", {"sku": "CHAIN", "quantity": 1}, promised_by="2026-11-20")
    post_order(
        slack_bot,
        "P-2",
        {"sku": "CHAIN", "quantity": 1, "promised_by": "2026-11-05"},
        {"sku": "LIGHT", "quantity": 1},
    )

    kept = journeys(slack_bot, local_slack, "P-1")["CHAIN"]
    assert kept.endswith("expected about Fri 13 Nov · promised by Fri 20 Nov")
    late = journeys(slack_bot, local_slack, "P-2")
    assert late["CHAIN"].endswith("promised by Thu 5 Nov ⚠️ expected after its promise")
    assert late["LIGHT"].endswith("promised by Wed 2 Dec")  # no date stated: 30 days


def test_without_a_stated_date_a_line_is_promised_within_30_days(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    post_order(slack_bot, "P-3", {"sku": "CHAIN", "quantity": 2})

    assert journeys(slack_bot, local_slack, "P-3")["CHAIN"].endswith("promised by Wed 2 Dec")


def write_catalog(path: Path) -> Path:
    book = Workbook()
    suppliers = book.active
    suppliers.title = "Suppliers"
    suppliers.append(["supplier", "email", "lead_time_days", "min_order_qty", "promise_days"])
    suppliers.append(["Acme", "orders@acme.test", 7, 0, 14])
    products = book.create_sheet("Products")
    header = ["sku", "name", "supplier", "on_hand", "case_pack", "unit_cost", "promise_days"]
    products.append(header)
    products.append(["CHAIN", "Chain", "Acme", 0, 6, 2.5, None])
    products.append(["LIGHT", "Light", "Acme", 0, 1, 2.5, 3])
    book.save(path)
    return path


def test_the_catalogs_promise_days_come_before_the_default_product_first(
    slack_bot: RunningBot, local_slack: LocalSlack, database: Database, tmp_path: Path
) -> None:
    imported = bot_command(
        "import", str(write_catalog(tmp_path / "catalog.xlsx")), env={"DATABASE_URL": database.url}
    )
    assert imported.returncode == 0, imported.stderr

    post_order(slack_bot, "P-4", {"sku": "CHAIN", "quantity": 1}, {"sku": "LIGHT", "quantity": 1})

    shown = journeys(slack_bot, local_slack, "P-4")
    assert shown["CHAIN"].endswith("promised by Mon 16 Nov")  # the supplier's 14 days
    assert shown["LIGHT"].endswith("promised by Thu 5 Nov ⚠️ expected after its promise")


def test_the_shops_own_promise_days_replace_the_30_days(database: Database) -> None:
    config = parse_config(CONFIG | {"customers": {"promise_days": 10}})
    bot = build_bot(settings_from_env(SECRETS), config, lambda: T0 + minutes(1), database)
    bot.backorders.import_catalog(catalog(("CHAIN", 0)))
    server = HttpServer(bot.http, "127.0.0.1", 0, threads=2)
    server.start_in_thread()
    try:
        post_order(
            RunningBot(bot, f"http://127.0.0.1:{server.port}"),
            "P-5",
            {"sku": "CHAIN", "quantity": 1},
        )
    finally:
        server.close()

    [order] = bot.backorders.order("P-5")
    assert order.lines[0].promised_by is not None
    assert f"{order.lines[0].promised_by:%a %d %b}" == "Thu 12 Nov"


def test_the_digest_lists_the_lines_expected_after_their_promise(
    slack_bot: RunningBot, local_slack: LocalSlack
) -> None:
    post_order(slack_bot, "P-6", {"sku": "CHAIN", "quantity": 1}, promised_by="2026-11-05")
    post_order(slack_bot, "P-7", {"sku": "LIGHT", "quantity": 1})  # promised Wed 2 Dec: on time

    blocks, _ = posted_digest(slack_bot, local_slack)

    assert "Expected after their promise" in blocks
    assert "#P-6 `CHAIN`: promised by Thu 5 Nov, expected Fri 13 Nov" in blocks
    assert "P-7" not in blocks
