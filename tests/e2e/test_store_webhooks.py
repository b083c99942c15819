"""Store deliveries over real HTTP: the fixtures' orders end as allocations and backorders."""

from __future__ import annotations

import json

from tests.e2e.conftest import RunningBot
from tests.support.http import (
    Reply,
    base64_signature,
    fixture_bytes,
    fixture_headers,
    generic_order,
    request,
    signed_generic,
)


def send_fixture(bot: RunningBot, folder: str, name: str, path: str):
    return request(f"{bot.url}{path}", fixture_bytes(folder, name), fixture_headers(folder, name))


def lines(bot: RunningBot, number: str) -> list[tuple[str | None, int, int, int]]:
    [status] = bot.order(number)
    return [(line.sku, line.quantity, line.allocated, line.waiting) for line in status.lines]


def test_a_shopify_order_for_an_out_of_stock_item_becomes_a_backorder(
    stocked_bot: RunningBot,
) -> None:
    reply = send_fixture(stocked_bot, "shopify", "orders_create.json", "/webhooks/shopify")
    assert reply.status == 200
    assert reply.json() | {"unplaced_lines": []} == {
        "ok": True,
        "outcome": "applied",
        "order": "#1002",  # the name as the shop shows it
        "backordered_units": 1,
        "unplaced_lines": [],
    }
    assert lines(stocked_bot, "1002") == [("IPOD2009BLACK", 1, 0, 1)]
    assert stocked_bot.sku("IPOD2009BLACK").waiting_lines == 1


def test_the_same_shopify_delivery_ten_times_counts_once(stocked_bot: RunningBot) -> None:
    replies = [
        send_fixture(stocked_bot, "shopify", "orders_create.json", "/webhooks/shopify")
        for _ in range(10)
    ]
    assert [r.status for r in replies] == [200] * 10
    assert [r.json()["outcome"] for r in replies] == ["applied"] + ["duplicate"] * 9
    assert stocked_bot.sku("IPOD2009BLACK").waiting_units == 1
    metrics = request(f"{stocked_bot.url}/metrics").body.decode()
    assert 'backorder_orders_total{source="shopify"} 1.0' in metrics
    assert 'backorder_webhook_deliveries_total{outcome="duplicate",source="shopify"} 9.0' in metrics


def test_a_shopify_cancellation_frees_the_stock_its_order_took(stocked_bot: RunningBot) -> None:
    created = json.loads(fixture_bytes("shopify", "orders_cancelled.json"))
    created |= {"cancelled_at": None, "updated_at": "2008-01-10T11:00:00-05:00"}
    body = json.dumps(created).encode()
    headers = {"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "create-1001"}
    request(
        f"{stocked_bot.url}/webhooks/shopify",
        body,
        headers | {"X-Shopify-Hmac-Sha256": base64_signature(body)},
    )
    # current_quantity: GREEN 0, RED 1, BLACK 0 — only the red one is still ordered
    assert lines(stocked_bot, "1001") == [
        ("IPOD2008GREEN", 0, 0, 0),
        ("IPOD2008RED", 1, 0, 1),
        ("IPOD2008BLACK", 0, 0, 0),
    ]
    reply = send_fixture(stocked_bot, "shopify", "orders_cancelled.json", "/webhooks/shopify")
    assert reply.status == 200 and reply.json()["outcome"] == "applied"
    [status] = stocked_bot.order("1001")
    assert status.cancelled and status.waiting_units == 0
    assert stocked_bot.supplier("Acme").waiting_units == 0


def test_a_woocommerce_order_places_its_sku_line_and_flags_the_line_without_sku(
    stocked_bot: RunningBot,
) -> None:
    reply = send_fixture(
        stocked_bot, "woocommerce", "order_created.wc-v3.json", "/webhooks/woocommerce"
    )
    assert reply.status == 200
    assert reply.json()["unplaced_lines"] == [{"line": "315", "sku": None, "problem": "no_sku"}]
    assert lines(stocked_bot, "727") == [(None, 2, 0, 0), ("Bar3", 1, 0, 1)]
    assert stocked_bot.overview().unplaced_lines == 1


def test_woocommerce_creation_ping_is_accepted_unsigned(running_bot: RunningBot) -> None:
    reply = request(
        f"{running_bot.url}/webhooks/woocommerce",
        b"webhook_id=3",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 200


def test_bad_signatures_are_refused_and_store_nothing(stocked_bot: RunningBot) -> None:
    body = fixture_bytes("shopify", "orders_create.json")
    headers = fixture_headers("shopify", "orders_create.json")
    forged = request(
        f"{stocked_bot.url}/webhooks/shopify", body, headers | {"X-Shopify-Hmac-Sha256": "AAAA"}
    )
    generic = generic_order("G-1", ("TUBE", 1))
    unsigned = request(f"{stocked_bot.url}/webhooks/orders", generic, {})
    assert (forged.status, unsigned.status) == (401, 401)
    assert "signature" in forged.json()["error"]
    assert stocked_bot.overview().suppliers == ()
    assert stocked_bot.sku("TUBE").on_hand == 3


def test_malformed_json_and_wrong_types_get_400_naming_the_problem_and_store_nothing(
    stocked_bot: RunningBot,
) -> None:
    cases = {
        b"{not json": "JSON",
        generic_order("G-1", ("TUBE", "two")): "lines[0].quantity",
        generic_order("G-2", ("TUBE", 1), placed_at="yesterday"): "placed_at",
        json.dumps(
            {"number": "x", "placed_at": "2026-11-02T09:00:00Z", "lines": []}
        ).encode(): "id",
    }
    for body, named in cases.items():
        reply = request(f"{stocked_bot.url}/webhooks/orders", body, signed_generic(body))
        assert reply.status == 400, body
        assert named in reply.json()["error"]
    assert stocked_bot.sku("TUBE").on_hand == 3
    assert stocked_bot.overview().suppliers == ()


def test_a_source_without_a_secret_is_refused(running_bot: RunningBot) -> None:
    running_bot.bot.http.webhooks.secrets = {}
    body = generic_order("G-1", ("TUBE", 1))
    reply = request(f"{running_bot.url}/webhooks/orders", body, signed_generic(body))
    assert reply.status == 401
    assert "ORDERS_WEBHOOK_SECRET" in reply.json()["error"]


def test_health_and_metrics_answer_for_operators(stocked_bot: RunningBot) -> None:
    body = generic_order("G-1", ("TUBE", 5))
    request(f"{stocked_bot.url}/webhooks/orders", body, signed_generic(body))
    health = request(f"{stocked_bot.url}/healthz")
    assert health.status == 200 and health.json()["database"] == "ok"
    metrics = request(f"{stocked_bot.url}/metrics")
    assert metrics.headers["Content-Type"].startswith("text/plain")
    text = metrics.body.decode()
    assert 'backorder_open_units{supplier="Acme"} 2.0' in text
    assert 'backorder_backordered_units_total{source="orders"} 2.0' in text
    assert "backorder_outbox_pending 0.0" in text
    assert request(f"{stocked_bot.url}/nowhere").status == 404
    assert request(f"{stocked_bot.url}/webhooks/orders").status == 405


def shopify_update(bot: RunningBot, updated_at: str, quantity: int, webhook_id: str) -> Reply:
    order = json.loads(fixture_bytes("shopify", "orders_create.json"))
    order["updated_at"] = updated_at
    order["line_items"][0] |= {"quantity": quantity, "current_quantity": quantity}
    body = json.dumps(order).encode()
    headers = {
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Hmac-Sha256": base64_signature(body),
    }
    return request(f"{bot.url}/webhooks/shopify", body, headers)


def test_an_older_shopify_update_arriving_after_a_newer_one_changes_nothing(
    stocked_bot: RunningBot,
) -> None:
    send_fixture(stocked_bot, "shopify", "orders_create.json", "/webhooks/shopify")
    newer = shopify_update(stocked_bot, "2025-04-02T12:00:00-05:00", 3, "update-2")
    older = shopify_update(stocked_bot, "2025-04-02T11:45:00-05:00", 2, "update-1")
    assert (newer.json()["outcome"], older.json()["outcome"]) == ("applied", "stale")
    assert older.status == 200
    assert lines(stocked_bot, "1002") == [("IPOD2009BLACK", 3, 0, 3)]
