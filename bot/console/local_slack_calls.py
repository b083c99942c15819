"""What LocalSlack records and can be told to do: each call it received, the faults it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Call:
    """One request the local Slack received; `at` is on the monotonic clock."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float
    fault: str | None = None
    timed_out: bool = False
    response: dict[str, Any] = field(default_factory=dict)
    name: str | None = None  # which response URL, for `response_url` posts

    @property
    def delivered(self) -> bool:
        """Slack did what was asked: no scripted fault, and it answered `ok`."""
        return self.fault is None and self.response.get("ok") is True


@dataclass(frozen=True)
class Fault:
    """A scripted failure for the next call of a method (see `LocalSlack.fail_next`)."""

    kind: str
    status: int = 200
    code: str | None = None
    retry_after: int | None = None
    seconds: float = 0.0

    @classmethod
    def rate_limited(cls, retry_after: int = 1) -> Fault:
        """HTTP 429 with `Retry-After`, as Slack rate-limits."""
        return cls("rate_limited", 429, "ratelimited", retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        """An HTTP 5xx answer."""
        return cls("server_error", status, "internal_error")

    @classmethod
    def timeout(cls, seconds: float) -> Fault:
        """Answer normally, but only after `seconds` (longer than the client's timeout)."""
        return cls("timeout", seconds=seconds)

    @classmethod
    def error(cls, code: str) -> Fault:
        """HTTP 200 with `{"ok": false, "error": code}`."""
        return cls("error", 200, code)


def describe(call: Call) -> str:
    shown = ("channel", "text", "ts", "user", "usergroup", "file_id")
    brief = {k: short(v) for k, v in call.params.items() if k in shown}
    answer = "ok" if call.response.get("ok") else f"error={call.response.get('error')}"
    fault = f" fault={call.fault}" if call.fault else ""
    return f"{call.method} {brief} -> {answer}{fault}"


def short(value: Any, limit: int = 60) -> Any:
    text = str(value)
    return value if len(text) <= limit else text[: limit - 1] + "…"
