"""One budget for the bytes of requests still arriving, across every connection.

Waitress keeps each request's headers and body until the last byte is in, and a client chooses
how long that takes. Four thousand connections each holding half a 512 kB body held 2.4 GB; a
cap per connection alone still multiplies by the connection limit. Here the bytes buffered for
requests not yet handed to the app are counted together. Past three quarters of the budget a
request larger than the server's in-memory share is not read until there is room (a half-sent
body waits, and the idle timeout closes it); when new bytes would pass the whole budget, the
connections that have held the most bytes for longest are closed to make room.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Protocol

# Room freed beyond what the incoming bytes need, so the scan for victims (every connection)
# runs once per eighth of the budget, not on every read once the budget is full.
HEADROOM_FRACTION = 8
# The last quarter of the budget is for small requests (most webhooks): past three quarters a
# large request is not read until room is made, so an attacker's bodies wait (and time out)
# instead of pushing each other out and reconnecting, which kept the loop busy with their bytes.
LARGE_SHARE = 3 / 4


class Holder(Protocol):
    """A connection with a request being received: its counted bytes and when it began."""

    held: int

    def waiting_since(self) -> float: ...


class BodyBudget:
    """Bytes buffered for incomplete requests, kept at or under `limit` in total."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self.peak = 0  # the most ever counted at once: tests and benches read it
        self._lock = threading.Lock()  # worker threads may close a connection too

    def update(self, holder: Holder, held: int) -> None:
        """Count `held` bytes for `holder`, replacing what was counted for it before."""
        with self._lock:
            self.held += held - holder.held
            holder.held = held
            self.peak = max(self.peak, self.held)

    def crowded(self) -> bool:
        """Whether only small requests may grow: large ones wait for room."""
        return self.held > self.limit * LARGE_SHARE

    def release(self, holder: Holder) -> None:
        """Stop counting `holder`: its request was handed to the app, or it closed."""
        self.update(holder, 0)

    def victims(self, incoming: int, holders: Iterable[Holder]) -> list[Holder]:
        """The holders to close so `incoming` more bytes fit: most bytes times age first."""
        excess = self.held + incoming - self.limit
        if excess <= 0:
            return []
        excess += self.limit // HEADROOM_FRACTION
        now = time.time()  # waitress' clock, as in TimedParser
        # A real delivery arrives whole within milliseconds: bytes x seconds keeps it last in
        # line even when it is large, while a body held half-sent for seconds goes first.
        ranked = sorted(
            (h for h in holders if h.held > 0),
            key=lambda h: h.held * (now - h.waiting_since()),
            reverse=True,
        )
        chosen: list[Holder] = []
        for holder in ranked:
            if excess <= 0:
                break
            chosen.append(holder)
            excess -= holder.held
        return chosen
