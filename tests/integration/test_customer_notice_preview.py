"""Preview in Slack shows a batch's notice as its customer reads it, on SQLite and PostgreSQL:
the email's words as typed (a signature's `<b>` is not eaten by mrkdwn), or, for a customer told
by WooCommerce's customer note (`customers.tell_by`), that note, not an email they never get."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import text, update

from bot.config import parse_config
from bot.facade import Backorders
from domain.model import OrderSource
from handlers.blocks.customer_notices import preview_reply
from storage.db import Database
from storage.models import OrderRow
from tests.integration.test_customer_notices import Clock, T
from tests.support.builders import catalog, delivery, order


def desk_with_a_batch(
    database: Database, customers: dict[str, Any], source: OrderSource
) -> tuple[int, Backorders]:
    """A waiting order whose backordered notice waits in a batch for the team."""
    clock = Clock()
    desk = Backorders(
        database,
        clock,
        parse_config({"slack": {"channel": "C0PURCHASE"}, "customers": customers}),
        email_enabled=True,
    )
    desk.import_catalog(catalog(("CHAIN", 0)))
    desk.ingest(delivery(order("1001", ("CHAIN", 2), placed=T, source=source)))
    with database.engine.begin() as conn:
        conn.execute(update(OrderRow).values(customer_email="ann@example.com"))
    clock.now = T + timedelta(minutes=11)
    assert desk.send_customer_notices() == 1
    with database.engine.connect() as conn:
        batch = conn.execute(text("SELECT id FROM notice_batches")).scalar_one()
    return int(batch), desk


def test_preview_shows_the_signature_as_typed(database: Database) -> None:
    customers = {"from": "Velo Shop <shop@velo.example>", "signature": "The <b>Shop</b> team"}
    batch, desk = desk_with_a_batch(database, customers, OrderSource.GENERIC)
    reply = preview_reply(desk.preview_notice_batch(batch))
    [block] = reply.blocks
    assert "The &lt;b&gt;Shop&lt;/b&gt; team" in block["text"]["text"]  # Slack shows <b>
    assert "The &lt;b&gt;Shop&lt;/b&gt; team" in reply.text


def test_preview_of_a_customer_told_by_woocommerce_shows_the_note(database: Database) -> None:
    customers = {"tell_by": {"woocommerce": "customer_note"}}
    batch, desk = desk_with_a_batch(database, customers, OrderSource.WOOCOMMERCE)
    shown = desk.preview_notice_batch(batch)
    assert shown.startswith("WooCommerce customer note on order")
    assert "Part of your order is" in shown and "Item CHAIN (2)" in shown
    assert "Subject:" not in shown and "Hello" not in shown  # not the email they never get
