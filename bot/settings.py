"""Secrets and endpoints from the environment; everything else lives in `app.yaml`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from bot.config import ConfigError
from domain.model import OrderSource
from handlers.stores import ShopifyAccess, WooCommerceAccess
from storage.db import DEFAULT_URL


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None
    slack_api_url: str | None
    database_url: str
    webhook_secrets: dict[OrderSource, str | None]
    smtp_url: str | None
    config_path: str
    port: int
    host: str
    metrics_token: str | None = None  # set: /metrics wants `Authorization: Bearer <token>`
    shopify: ShopifyAccess | None = None  # set: reconciliation reads Shopify's orders
    woocommerce: WooCommerceAccess | None = None  # set: and WooCommerce's
    journey_secret: str | None = None  # signs customers' links; unset: one stored in the DB
    scheduler_retry_s: float = 10.0  # a standby replica tries to lead the scheduler this often


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Read the bot's environment variables (README, "Configuration")."""
    env = os.environ if env is None else env
    port = _get(env, "PORT") or "3000"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"PORT must be a TCP port number (1 to 65535), not {port!r}")
    return Settings(
        slack_bot_token=_get(env, "SLACK_BOT_TOKEN"),
        slack_signing_secret=_get(env, "SLACK_SIGNING_SECRET"),
        slack_app_token=_get(env, "SLACK_APP_TOKEN"),
        slack_api_url=_get(env, "SLACK_API_URL"),
        database_url=_get(env, "DATABASE_URL") or DEFAULT_URL,
        webhook_secrets={
            OrderSource.SHOPIFY: _get(env, "SHOPIFY_WEBHOOK_SECRET"),
            OrderSource.WOOCOMMERCE: _get(env, "WOOCOMMERCE_WEBHOOK_SECRET"),
            OrderSource.GENERIC: _get(env, "ORDERS_WEBHOOK_SECRET"),
        },
        smtp_url=_get(env, "SMTP_URL"),
        config_path=_get(env, "BOT_CONFIG") or "app.yaml",
        port=int(port),
        host=_get(env, "HOST") or "0.0.0.0",
        metrics_token=_get(env, "METRICS_TOKEN"),
        shopify=_shopify(env),
        woocommerce=_woocommerce(env),
        journey_secret=_get(env, "JOURNEY_SECRET"),
        scheduler_retry_s=_scheduler_retry(env),
    )


def _scheduler_retry(env: Mapping[str, str]) -> float:
    """`SCHEDULER_STANDBY_RETRY_S`: seconds between a standby's tries to lead the scheduler
    (and the leader's checks of its lock); up to 30, so a dead leader is replaced within a
    minute."""
    text = _get(env, "SCHEDULER_STANDBY_RETRY_S") or "10"
    return seconds_within(text, "SCHEDULER_STANDBY_RETRY_S", 0.1, 30)


def seconds_within(text: str, name: str, low: float, high: float) -> float:
    """`text` as seconds from `low` to `high`; anything else stops the bot naming `name`."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not low <= seconds <= high:  # NaN fails this too
        raise ConfigError(f"{name} must be seconds from {low:g} to {high:g}, not {text!r}")
    return seconds


def _together(env: Mapping[str, str], names: tuple[str, ...]) -> list[str] | None:
    """The values of `names` when all are set, None when none is; one set alone is an error."""
    values = [_get(env, name) for name in names]
    if not any(values):
        return None
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        given = ", ".join(name for name in names if name not in missing)
        raise ConfigError(
            f"{' and '.join(missing)} must be set too ({given} is): reconciliation reads the "
            "store's orders with all of them"
        )
    return [value for value in values if value]


def _shopify(env: Mapping[str, str]) -> ShopifyAccess | None:
    found = _together(env, ("SHOPIFY_SHOP", "SHOPIFY_ADMIN_TOKEN"))
    return ShopifyAccess(*found, api_url=_get(env, "SHOPIFY_API_URL")) if found else None


def _woocommerce(env: Mapping[str, str]) -> WooCommerceAccess | None:
    found = _together(env, ("WOOCOMMERCE_URL", "WOOCOMMERCE_KEY", "WOOCOMMERCE_SECRET"))
    return WooCommerceAccess(*found) if found else None
