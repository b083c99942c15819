"""The example app.yaml in the repository: what a new shop copies and edits."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.config import load_config
from domain.model import ForTestOrders

APP_YAML = Path(__file__).resolve().parents[2] / "app.yaml"
SECTIONS = {
    "slack",
    "timezone",
    "purchasing",
    "fulfilment",
    "summaries",
    "digest",
    "stores",
    "customers",
}


def test_the_example_config_shows_every_section_the_bot_reads() -> None:
    shown = set(yaml.safe_load(APP_YAML.read_text(encoding="utf-8")))
    assert shown == SECTIONS


def test_the_example_config_records_test_orders_and_reconciles_hourly() -> None:
    config = load_config(APP_YAML)
    assert config.test_orders is ForTestOrders.RECORD
    assert config.reconcile_every_s == 3600
