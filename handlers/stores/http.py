"""Calls to a store's API: a timeout on every call, retries that honour `Retry-After` (clamped),
answers of at most 16 MB, and failures that say which setting to look at, never a traceback."""

from __future__ import annotations

import http.client
import ipaddress
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

TIMEOUT_S = 30.0
ATTEMPTS = 5
MAX_WAIT_S = 60.0  # a Retry-After longer than this is waited this long, then tried again
RETRIED = frozenset({429, 500, 502, 503, 504})
MAX_ANSWER_BYTES = 16 * 1024 * 1024  # a page of orders is a few hundred KB; more is no answer


class StoreRefused(Exception):
    """The store refused the credentials (401, 403): the message names the variables."""


class StoreUnavailable(Exception):
    """The store did not answer usefully, even after retries: the message says what it said."""


class _TooLarge(Exception):
    """An answer past the cap: not retried, since the store would send it again."""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def json(self, what: str) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise StoreUnavailable(f"{what} answered with something that is not JSON") from None


def checked_base_url(url: str, variable: str) -> str:
    """`url` without a trailing slash: https, or http only to this machine (tests, a proxy)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return url.rstrip("/")
    raise StoreRefused(
        f"{variable} must be an https:// URL (the API keys travel with every request), not {url!r}"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class StoreHttp:
    """Sends requests with a timeout, and retries 429, 5xx and broken connections."""

    def __init__(
        self,
        *,
        timeout_s: float = TIMEOUT_S,
        attempts: int = ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
        max_wait_s: float = MAX_WAIT_S,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.sleep = sleep
        self.max_wait_s = max_wait_s
        self.max_answer_bytes = max_answer_bytes

    def wait(self, seconds: float) -> None:
        self.sleep(min(max(seconds, 0.0), self.max_wait_s))

    def send(
        self, url: str, headers: Mapping[str, str], what: str, body: bytes | None = None
    ) -> Reply:
        """The store's 2xx reply; 401/403 raise StoreRefused, anything else StoreUnavailable."""
        failure = ""
        for attempt in range(self.attempts):
            try:
                reply, failure = self._once(url, headers, body)
            except _TooLarge:
                raise StoreUnavailable(
                    f"{what} sent an answer larger than {_size(self.max_answer_bytes)}, the most "
                    f"the bot reads from a store at once ({urlsplit(url).hostname})"
                ) from None
            if reply is not None and reply.status < 300:
                return reply
            if reply is not None and reply.status in (401, 403):
                raise StoreRefused(f"{what} refused the credentials (HTTP {reply.status})")
            if reply is not None and reply.status not in RETRIED:
                raise StoreUnavailable(f"{what} answered HTTP {reply.status}: {_excerpt(reply)}")
            if attempt + 1 < self.attempts:
                delay = _retry_after(reply) if reply is not None else None
                self.wait(2.0**attempt if delay is None else delay)
        raise StoreUnavailable(f"{what} is unavailable after {self.attempts} tries ({failure})")

    def _once(
        self, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[Reply | None, str]:
        request = urllib.request.Request(url, data=body, headers=dict(headers))
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return _reply(response.status, response.headers, self._read(response)), ""
        except urllib.error.HTTPError as error:
            reply = _reply(error.code, error.headers, self._read(error))
            return reply, f"HTTP {error.code}"
        except (
            urllib.error.URLError,
            TimeoutError,
            ConnectionError,
            http.client.HTTPException,
        ) as error:
            return None, str(getattr(error, "reason", error))

    def _read(self, response: Any) -> bytes:
        """The body, read no further than one byte past the cap (so an endless one ends)."""
        declared = str(response.headers.get("Content-Length") or "")
        if declared.isdigit() and int(declared) > self.max_answer_bytes:
            raise _TooLarge  # refused unread, by its stated size
        body: bytes = response.read(self.max_answer_bytes + 1)
        if len(body) > self.max_answer_bytes:
            raise _TooLarge
        return body


def _size(limit: int) -> str:
    mb = limit / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{limit:,} bytes"


def _reply(status: int, headers: Message, body: bytes) -> Reply:
    return Reply(status, {name.lower(): value for name, value in headers.items()}, body)


def _retry_after(reply: Reply) -> float | None:
    """`Retry-After` in seconds (the stores send a number), else None."""
    try:
        return float(reply.headers.get("retry-after", ""))
    except ValueError:
        return None


def _excerpt(reply: Reply) -> str:
    return reply.body[:200].decode("utf-8", "replace").strip() or "(no body)"
