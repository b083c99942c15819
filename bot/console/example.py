"""The example bike shop the console offers on an empty database: `examples/`, loaded through
the real services, its orders signed as a store would sign them."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from bot.app import Bot
from domain.wording import plural
from handlers.webhooks import parse_generic
from storage.catalog_workbook import read_catalog

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SECRET = "console-signing-secret"  # the console's own: its example orders are signed with it


def load_example(bot: Bot) -> str:
    """The example bike shop: its catalog and a few orders, through the real services."""
    result = bot.backorders.import_catalog(read_catalog(EXAMPLES / "catalog.xlsx"))
    orders = json.loads((EXAMPLES / "orders.json").read_text(encoding="utf-8"))
    for order in orders:
        body = json.dumps(order).encode()
        digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        headers = {"x-signature": f"sha256={digest}"}
        bot.backorders.ingest(parse_generic(body, headers, SECRET))
    bot.backorders.flush_summaries()
    return (
        f"Loaded the example shop: {plural(result.suppliers, 'supplier')}, "
        f"{plural(result.products_added + result.products_updated, 'product')}, "
        f"{plural(len(orders), 'order')}."
    )
