"""Refused requests, logged as one line each and never their body, at most so many a minute.

An attacker chooses how many requests to send: a flood of refusals must not become a flood of
log lines. Past the allowance, refusals are counted and the count is said once the minute ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("bot.refused")

PER_MINUTE = 30  # enough to see a misconfigured store or Slack app; too few to fill a disk
WINDOW_S = 60.0


class RefusalLog:
    """`refused(environ, status, reason)`: a line for the first PER_MINUTE, then a count."""

    def __init__(self, per_minute: int = PER_MINUTE, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._lock = threading.Lock()
        self._window_start = clock()
        self._logged = 0
        self._held_back = 0

    def refused(self, environ: dict[str, Any], status: int, reason: str) -> None:
        with self._lock:
            self._roll_window()
            if self._logged >= self.per_minute:
                self._held_back += 1
                return
            self._logged += 1
        log.warning(
            "refused %s %s: %s %s (from %s)",
            str(environ.get("REQUEST_METHOD", ""))[:10],
            str(environ.get("PATH_INFO", ""))[:100],
            status,
            reason[:300],
            environ.get("REMOTE_ADDR", "?"),
        )

    def _roll_window(self) -> None:
        if self.clock() - self._window_start < WINDOW_S:
            return
        if self._held_back:
            log.warning(
                "%s more requests refused in the last minute (not logged one by one)",
                self._held_back,
            )
        self._window_start, self._logged, self._held_back = self.clock(), 0, 0


REFUSALS = RefusalLog()  # one allowance for the whole process: every door shares it
