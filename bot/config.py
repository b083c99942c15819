"""`app.yaml`: loaded once at start and checked, so a typo stops the bot with a clear message."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.config_customers import KEYS as CUSTOMER_KEYS
from bot.config_customers import CustomerSettings, parse_customers
from bot.config_write_back import parse_write_back
from domain.model import ForTestOrders

TOP_KEYS = {
    "slack",
    "timezone",
    "purchasing",
    "fulfilment",
    "summaries",
    "digest",
    "stores",
    "customers",
}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(Exception):
    """The configuration file is wrong; the message names the key and what is expected."""


@dataclass(frozen=True)
class WeeklyTime:
    """A day of the week and a local time, such as `fri 15:00`."""

    day: str
    at: time

    def __str__(self) -> str:
        return f"{self.day} {self.at:%H:%M}"


@dataclass(frozen=True)
class SlackSettings:
    channel: str
    approvers: tuple[str, ...] = ()
    approvers_group: str | None = None


@dataclass(frozen=True)
class PurchasingSettings:
    deadline: WeeklyTime = WeeklyTime("fri", time(15, 0))
    on_deadline: str = "propose"
    po_prefix: str = "PO-"
    default_lead_time_days: int = 7
    reminder_before_s: int = 7200


@dataclass(frozen=True)
class AppConfig:
    slack: SlackSettings
    timezone: ZoneInfo
    purchasing: PurchasingSettings
    ship_policy: str = "partial"
    summaries_batch_every_s: int = 900
    digest_schedule: WeeklyTime = WeeklyTime("mon", time(9, 0))
    reconcile_every_s: int = 3600  # read the stores' recently changed orders; 0: off
    test_orders: ForTestOrders = ForTestOrders.RECORD  # kept apart, never stock or a PO
    customers: CustomerSettings = field(default_factory=CustomerSettings)
    write_back: frozenset[str] = frozenset()  # stores told what customers were told


def load_config(path: str | Path) -> AppConfig:
    """Read and check the configuration file."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"{path}: file not found (set BOT_CONFIG or create app.yaml)") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    try:
        return parse_config(raw or {})
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from error


def parse_config(raw: Any) -> AppConfig:
    """Build an AppConfig from the parsed YAML, refusing unknown keys and bad values."""
    top = _section(raw, "", TOP_KEYS)
    slack = _section(top.get("slack"), "slack", {"channel", "approvers", "approvers_group"})
    purchasing = _section(
        top.get("purchasing", {}),
        "purchasing",
        {"deadline", "on_deadline", "po_prefix", "default_lead_time_days", "reminder_before"},
    )
    fulfilment = _section(top.get("fulfilment", {}), "fulfilment", {"ship_policy"})
    summaries = _section(top.get("summaries", {}), "summaries", {"batch_every"})
    digest = _section(top.get("digest", {}), "digest", {"schedule"})
    stores = _section(
        top.get("stores", {}), "stores", {"reconcile_every", "test_orders", "write_back"}
    )
    customers = _section(top.get("customers", {}), "customers", CUSTOMER_KEYS)
    return AppConfig(
        slack=_slack(slack),
        timezone=_zone(top.get("timezone", "UTC")),
        purchasing=_purchasing(purchasing),
        ship_policy=_choice(
            fulfilment.get("ship_policy", "partial"),
            "fulfilment.ship_policy",
            ("partial", "complete"),
        ),
        summaries_batch_every_s=_duration(
            summaries.get("batch_every", "15m"), "summaries.batch_every"
        ),
        digest_schedule=_weekly(digest.get("schedule", "mon 09:00"), "digest.schedule"),
        reconcile_every_s=_duration(stores.get("reconcile_every", "1h"), "stores.reconcile_every"),
        test_orders=ForTestOrders(
            _choice(
                stores.get("test_orders", "record"),
                "stores.test_orders",
                tuple(choice.value for choice in ForTestOrders),
            )
        ),
        customers=parse_customers(customers, ConfigError, _duration),
        write_back=parse_write_back(stores.get("write_back"), ConfigError),
    )


def _section(value: Any, name: str, allowed: set[str]) -> dict[str, Any]:
    where = f"`{name}`" if name else "the top level"
    if value is None and name == "slack":
        raise ConfigError(
            "`slack.channel` is required (the channel for summaries and POs: #name or ID)"
        )
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a mapping of keys to values")
    unknown = sorted(set(value) - allowed)
    if unknown:
        prefix = f"{name}." if name else ""
        raise ConfigError(
            f"unknown key `{prefix}{unknown[0]}` (allowed in {where}: {', '.join(sorted(allowed))})"
        )
    return value


def _slack(raw: dict[str, Any]) -> SlackSettings:
    channel = raw.get("channel")
    if not isinstance(channel, str) or not channel.strip():
        raise ConfigError(
            "`slack.channel` is required (the channel for summaries and POs: #name or ID)"
        )
    approvers = raw.get("approvers") or []
    if not isinstance(approvers, list) or not all(isinstance(a, str) for a in approvers):
        raise ConfigError("`slack.approvers` must be a list of Slack user IDs such as U012ABCDEF")
    group = raw.get("approvers_group")
    if group is not None and (not isinstance(group, str) or not group.startswith("S")):
        raise ConfigError(
            "`slack.approvers_group` must be a user group ID starting with S, or null"
        )
    return SlackSettings(channel.strip(), tuple(approvers), group)


def _purchasing(raw: dict[str, Any]) -> PurchasingSettings:
    prefix = raw.get("po_prefix", "PO-")
    if not isinstance(prefix, str):
        raise ConfigError("`purchasing.po_prefix` must be text, such as PO-")
    return PurchasingSettings(
        deadline=_weekly(raw.get("deadline", "fri 15:00"), "purchasing.deadline"),
        on_deadline=_choice(
            raw.get("on_deadline", "propose"), "purchasing.on_deadline", ("propose", "auto_approve")
        ),
        po_prefix=prefix,
        reminder_before_s=_duration(raw.get("reminder_before", "2h"), "purchasing.reminder_before"),
        default_lead_time_days=_whole(
            raw.get("default_lead_time_days", 7), "purchasing.default_lead_time_days"
        ),
    )


def _zone(value: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(f"`timezone`: unknown time zone {value!r} (try Europe/London)") from error


def _choice(value: Any, key: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"`{key}` must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def _whole(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"`{key}` must be a whole number of 0 or more, not {value!r}")
    return value


_WEEKLY = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)\s+([01]?\d|2[0-3]):([0-5]\d)$")
_DURATION = re.compile(r"^(\d+)\s*([smhd]?)$")


def _weekly(value: Any, key: str) -> WeeklyTime:
    match = _WEEKLY.match(str(value).strip().lower())
    if not match:
        raise ConfigError(f'`{key}` must be a day and a time such as "fri 15:00", not {value!r}')
    return WeeklyTime(match[1], time(int(match[2]), int(match[3])))


def parse_duration(value: Any, key: str) -> int:
    """Seconds in a duration such as "15m", "1h", "2d" or "0"; the error names `key`."""
    return _duration(value, key)


def _duration(value: Any, key: str) -> int:
    match = _DURATION.match(str(value).strip().lower())
    if not match:
        raise ConfigError(f'`{key}` must be a duration such as "15m", "1h" or "0", not {value!r}')
    seconds = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match[2]]
    return int(match[1]) * seconds
