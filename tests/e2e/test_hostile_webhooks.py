"""Hostile store deliveries over real HTTP: a signed body the bot cannot use is a 400 that stores
nothing, never a 500; a signed body cannot be replayed into a cancellation; the books stay whole.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.summaries import SqlSummaryQueue
from tests.e2e.conftest import RunningBot
from tests.e2e.hostile import (
    Endpoint,
    books,
    check_books,
    deliveries,
    generic_body,
    owned_units,
    send,
    send_generic,
)
from tests.support.http import fixture_bytes, fixture_headers, request

HOSTILE = settings(
    max_examples=60,
    deadline=None,
    database=None,  # nothing written into the project; failures print their example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOO_BIG = 2**63 - 1


def waiting(bot: RunningBot, sku: str) -> int:
    return bot.sku(sku).waiting_units


def test_a_signed_create_replayed_under_the_cancel_topic_cancels_nothing(
    stocked_bot: RunningBot,
) -> None:
    body = fixture_bytes("shopify", "orders_create.json")
    headers = fixture_headers("shopify", "orders_create.json")
    url = f"{stocked_bot.url}/webhooks/shopify"
    assert request(url, body, headers).json()["outcome"] == "applied"

    replay = headers | {"X-Shopify-Topic": "orders/cancelled"}
    same_id = request(url, body, replay)
    new_id = request(url, body, replay | {"X-Shopify-Webhook-Id": "attacker-chosen"})

    assert (same_id.status, same_id.json()["outcome"]) == (200, "duplicate")
    # The same version again under a new delivery id: it may apply (versions of one second are
    # told apart by stage, not refused), but it is the order as created: nothing is cancelled.
    assert new_id.status == 200 and new_id.json()["outcome"] in ("applied", "stale")
    [order] = stocked_bot.order("1002")
    assert order.cancelled is False
    assert waiting(stocked_bot, "IPOD2009BLACK") == 1


def test_a_quantity_of_2_to_the_63_is_refused_and_the_totals_still_add_up(
    stocked_bot: RunningBot,
) -> None:
    before = books(stocked_bot)
    reply = send_generic(stocked_bot, generic_body("HUGE", ("TUBE", TOO_BIG)))

    assert reply.status == 400
    assert reply.json()["error"] == f"lines[0].quantity: {TOO_BIG} is more than 100000"
    assert books(stocked_bot) == before
    assert stocked_bot.overview() is not None  # the sums behind /metrics and /backorders


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": [{"sku": "TUBE", "quantity": 2**31}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "TUBE\ud800", "quantity": 1}]}, "lines[0].sku"),
        ({"lines": [{"sku": "TUBE", "name": "Tube\x00", "quantity": 1}]}, "lines[0].name"),
        ({"customer": "c" * 321}, "customer"),
        ({"id": "i" * 101}, "id"),
        ({"lines": [{"sku": "TUBE", "name": "n" * 501, "quantity": 1}]}, "lines[0].name"),
        ({"placed_at": "0001-01-01T00:00:00+01:00"}, "placed_at"),
        ({"updated_at": "9999-12-31T23:30:00-01:00"}, "updated_at"),
        ({"updated_at": "1999-12-31T23:59:59Z"}, "updated_at"),
    ],
)
def test_a_signed_body_no_database_can_store_is_a_400_naming_the_field(
    stocked_bot: RunningBot, change: dict[str, Any], field: str
) -> None:
    before = books(stocked_bot)
    body = json.loads(generic_body("BAD", ("TUBE", 1))) | change
    reply = send_generic(stocked_bot, json.dumps(body).encode())

    assert reply.status == 400, reply.body
    assert reply.json()["error"].startswith(f"{field}")
    assert books(stocked_bot) == before


def test_a_delivery_id_longer_than_its_column_is_a_400_naming_the_header(
    stocked_bot: RunningBot,
) -> None:
    before = books(stocked_bot)
    reply = send_generic(stocked_bot, generic_body("K", ("TUBE", 1)), {"X-Delivery-Id": "d" * 201})
    assert reply.status == 400
    assert reply.json()["error"].startswith("the X-Delivery-Id header is 201 characters long")
    assert books(stocked_bot) == before


def test_a_version_dated_9999_is_refused_so_the_real_cancellation_frees_the_units(
    stocked_bot: RunningBot,
) -> None:
    placed = "2026-11-02T08:00:00Z"
    first = generic_body("G-9", ("TUBE", 2), placed_at=placed)
    assert send_generic(stocked_bot, first).json()["outcome"] == "applied"
    far = generic_body("G-9", ("TUBE", 1), placed_at=placed, updated_at="9999-01-01T00:00:00Z")
    cancel = generic_body(
        "G-9", ("TUBE", 2), placed_at=placed, updated_at="2026-11-02T09:00:00Z", status="cancelled"
    )

    refused = send_generic(stocked_bot, far)
    cancelled = send_generic(stocked_bot, cancel)

    assert refused.status == 400
    assert refused.json()["error"].startswith("updated_at: 9999-01-01T00:00:00Z is more than")
    assert cancelled.json()["outcome"] == "applied"
    assert stocked_bot.sku("TUBE").on_hand == 3


def test_a_version_a_day_ahead_of_the_bots_clock_is_taken_and_a_minute_more_is_not(
    stocked_bot: RunningBot,
) -> None:
    # The bot's clock reads 2026-11-02 09:01 UTC.
    ahead = generic_body("A-1", ("TUBE", 1), updated_at="2026-11-03T09:01:00Z")
    too_far = generic_body("A-2", ("TUBE", 1), updated_at="2026-11-03T09:02:00Z")
    assert send_generic(stocked_bot, ahead).status == 200
    assert send_generic(stocked_bot, too_far).status == 400


class Broken:
    """Metrics that fail whatever is asked of them."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("metrics are down")


def failing(*args: object) -> None:
    raise RuntimeError("Slack summary could not be queued")


def test_a_stored_delivery_is_answered_stored_when_its_metrics_fail(
    stocked_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stocked_bot.bot.http.webhooks, "metrics", Broken())
    reply = send_generic(stocked_bot, generic_body("M-1", ("TUBE", 1)))

    assert (reply.status, reply.json()["outcome"]) == (200, "applied")
    assert stocked_bot.sku("TUBE").on_hand == 2


def test_a_stored_delivery_is_answered_stored_when_its_summary_fails(
    stocked_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = stocked_bot.bot.backorders
    monkeypatch.setattr(desk, "summarise_at_once", True)  # `batch_every: "0"`
    monkeypatch.setattr(SqlSummaryQueue, "take", failing)  # taken by the worker, not here
    reply = send_generic(stocked_bot, generic_body("S-1", ("IPOD2009BLACK", 2)))

    assert (reply.status, reply.json()["outcome"]) == (200, "applied")
    assert waiting(stocked_bot, "IPOD2009BLACK") == 2
    again = send_generic(stocked_bot, generic_body("S-1", ("IPOD2009BLACK", 2)))
    assert again.json()["outcome"] == "duplicate"


def test_signed_hostile_bodies_get_200_or_400_and_leave_the_books_whole(
    stocked_bot: RunningBot,
) -> None:
    owned = owned_units(stocked_bot)

    @HOSTILE
    @given(deliveries())
    def delivered(sent: tuple[Endpoint, bytes, dict[str, str]]) -> None:
        endpoint, body, extra = sent
        before = books(stocked_bot)
        reply = send(stocked_bot, endpoint, body, endpoint.headers(body, extra))

        assert reply.status in (200, 400), (reply.status, reply.body)
        after = books(stocked_bot)
        if reply.status == 400:
            assert after == before, reply.json()
        elif reply.json()["outcome"] == "applied":
            assert after["deliveries"] == before["deliveries"] + 1
            assert stocked_bot.order(reply.json()["order"])
        check_books(stocked_bot, owned)

    delivered()


WRONG_SIGNATURES = st.sampled_from(
    [
        {},
        {"X-Shopify-Hmac-Sha256": "", "X-WC-Webhook-Signature": "", "X-Signature": ""},
        {"X-Shopify-Hmac-Sha256": "bm9wZQ==", "X-WC-Webhook-Signature": "bm9wZQ=="},
        {"X-Signature": "sha256=" + "0" * 64},
        {"X-Signature": "md5=abc", "X-Shopify-Hmac-Sha256": "%%%"},
    ]
)


def test_unsigned_or_badly_signed_hostile_bodies_get_401_and_store_nothing(
    stocked_bot: RunningBot,
) -> None:
    before = books(stocked_bot)

    @HOSTILE
    @given(deliveries(), WRONG_SIGNATURES)
    def delivered(sent: tuple[Endpoint, bytes, dict[str, str]], wrong: dict[str, str]) -> None:
        endpoint, body, extra = sent
        headers = {k: v for k, v in endpoint.headers(body, extra).items() if "ignature" not in k}
        headers = {k: v for k, v in headers.items() if "Hmac" not in k} | wrong
        reply = send(stocked_bot, endpoint, body, headers)

        assert reply.status == 401, (reply.status, reply.body)
        assert books(stocked_bot) == before

    delivered()
