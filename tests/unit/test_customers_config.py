"""`customers:` in app.yaml: the defaults a shop gets without it, what it may say, and a typo or a
bad value stopping the bot with a message naming the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, load_config, parse_config
from bot.scheduling.scheduler import job_specs
from domain.customer_notices import Mode, NoticeKind

ROOT = Path(__file__).resolve().parents[2]


def config_with(customers: Any) -> dict[str, Any]:
    return {"slack": {"channel": "#purchasing"}, "customers": customers}


def test_without_a_customers_section_lines_are_promised_in_30_days_and_delays_are_approved() -> (
    None
):
    customers = parse_config({"slack": {"channel": "#purchasing"}}).customers
    assert customers.promise_days == 30
    assert customers.notice_delay_s == 600
    assert dict(customers.notices) == {
        NoticeKind.BACKORDERED: Mode.APPROVE,
        NoticeKind.DELAYED: Mode.APPROVE,
        NoticeKind.ON_ITS_WAY: Mode.AUTO,
    }
    assert customers.delay_margin_days == 7
    assert customers.from_address is None


def test_the_example_app_yaml_says_every_customers_key_and_the_shop_name_comes_from_from() -> None:
    customers = load_config(ROOT / "app.yaml").customers
    assert customers.from_address == "Shop <shop@example.com>"
    assert customers.journey_base_url == "https://backorders.example.com"
    assert customers.shop == "Shop"


def test_a_shop_sets_each_kind_and_a_bare_off_in_yaml_means_off() -> None:
    customers = parse_config(
        config_with(
            {
                "promise_days": 14,
                "notice_delay": "0",
                "notices": {"backordered": "auto", "on_its_way": False},
                "shop_name": "Velo Parts",
                "signature": "The Velo Parts team",
                "journey_base_url": "https://shop.example.com/track/",
            }
        )
    ).customers
    assert (customers.promise_days, customers.notice_delay_s) == (14, 0)
    assert customers.notices[NoticeKind.BACKORDERED] is Mode.AUTO
    assert customers.notices[NoticeKind.DELAYED] is Mode.APPROVE
    assert customers.notices[NoticeKind.ON_ITS_WAY] is Mode.OFF
    assert (customers.shop, customers.signature) == ("Velo Parts", "The Velo Parts team")
    assert customers.journey_base_url == "https://shop.example.com/track"


def test_woocommerce_customers_may_hear_by_its_customer_note_and_everyone_else_by_email() -> None:
    default = parse_config(config_with({})).customers
    assert default.by_email("woocommerce") and default.by_email("shopify")
    tell_by = {"woocommerce": "customer_note", "shopify": "email"}
    customers = parse_config(config_with({"tell_by": tell_by})).customers
    assert not customers.by_email("woocommerce") and customers.by_email("shopify")


@pytest.mark.parametrize(
    ("customers", "named"),
    [
        ({"promise_day": 30}, "unknown key `customers.promise_day`"),
        ({"promise_days": 0}, "`customers.promise_days`"),
        ({"promise_days": "30"}, "`customers.promise_days`"),
        ({"promise_days": 400}, "`customers.promise_days` must be at most 365"),
        ({"notice_delay": "soon"}, "`customers.notice_delay`"),
        ({"notices": {"delay": "auto"}}, "unknown key `customers.notices.delay`"),
        ({"notices": {"delayed": "ask"}}, "`customers.notices.delayed` must be one of"),
        ({"delay_margin_days": -1}, "`customers.delay_margin_days`"),
        ({"from": "shop.example.com"}, "`customers.from` must be an email address"),
        ({"reply_to": "nobody"}, "`customers.reply_to` must be an email address"),
        ({"journey_base_url": "backorders.example.com"}, "`customers.journey_base_url`"),
        ({"signature": ""}, "`customers.signature`"),
        ({"tell_by": "customer_note"}, "`customers.tell_by` must map a store"),
        ({"tell_by": {"etsy": "email"}}, "unknown key `customers.tell_by.etsy`"),
        ({"tell_by": {"shopify": "customer_note"}}, "`customers.tell_by.shopify` must be email"),
        ({"tell_by": {"woocommerce": "note"}}, "must be email or customer_note, not 'note'"),
        ("yes", "`customers` must be a mapping"),
    ],
)
def test_a_bad_customers_key_or_value_is_named(customers: Any, named: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config(config_with(customers))
    assert named in str(refused.value)


def test_the_notices_job_runs_for_a_shop_that_tells_woocommerce_customers_by_note_alone() -> None:
    by_note = parse_config(config_with({"tell_by": {"woocommerce": "customer_note"}}))
    nobody = parse_config(config_with({}))
    assert "customer_notices" in [spec.id for spec in job_specs(by_note)]
    assert "customer_notices" not in [spec.id for spec in job_specs(nobody)]
