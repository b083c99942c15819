"""Waitress, hardened against slow clients: request deadlines and a per-client connection cap.

Waitress holds a connection open for as long as its client keeps sending something: its only
timer is an idle one, which a client trickling one header byte every few seconds resets. A
thousand such clients fill every connection slot, and webhooks wait behind them. Here:

- a request must finish its headers HEADER_DEADLINE_S after its first byte, and its body
  BODY_DEADLINE_S after that byte; a connection that sends nothing closes after IDLE_TIMEOUT_S;
- one client address holds at most PER_CLIENT_CONNECTIONS connections; more are closed at once;
- the connection limit is well above 1,000, the open-files limit is raised to allow it, and the
  loop uses poll(), because select() fails outright on a descriptor above 1023;
- near the limit, the connections that have waited longest for their request are closed to
  make room, so a flood from many addresses delays a webhook by loop passes, not deadlines;
- a request keeps at most INBUF_OVERFLOW in memory (the rest of its body goes to a temporary
  file), and all requests still arriving hold at most BODY_BUDGET bytes together (body_budget).
"""

from __future__ import annotations

import heapq
import logging
import resource
import threading
import time
from collections import Counter
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer

from bot.web.body_budget import BodyBudget

log = logging.getLogger(__name__)

# Stores and Slack send a whole request in milliseconds; 10 s allows a phone-tethered curl.
HEADER_DEADLINE_S = 10
# The whole request, also from its first byte: MAX_BODY (2 MiB) in 30 s is 70 kB/s, and real
# webhook bodies are a few kB.
BODY_DEADLINE_S = 30
# A connection that sends nothing (a keep-alive left open, or a silent attacker) is freed.
IDLE_TIMEOUT_S = 10
# How often deadlines are checked: a slow connection lives at most this much past its deadline.
CHECK_EVERY_S = 1
# Well above a 1,000-connection attack; each costs ~3 kB (bench: 3,500 add 11 MiB) and a poll slot.
CONNECTION_LIMIT = 4000
# Twice the ingest bench's 256 keep-alive clients (a reconnecting client's old socket may still
# count), far above what a store or Slack opens, an eighth of CONNECTION_LIMIT: one address
# cannot take every slot. Behind a reverse proxy every connection comes from the proxy, which
# then needs limits of its own (nginx and the like also buffer headers before passing them on).
PER_CLIENT_CONNECTIONS = 512
# Descriptors kept for what is not a client: the database, logs, Slack calls, the listener.
RESERVED_FDS = 200
# Each pass of waitress' loop walks every connection; accepting one per pass turns a burst of
# 1,000 reconnecting attackers into 1,000 passes (seconds) ahead of a webhook's connection.
ACCEPT_BATCH = 64
REPORT_EVERY_S = 60  # one log line a minute at most, however long an attack lasts
# Waitress buffers a whole body (to disk past 512 kB) before the app sees it; past twice the
# largest body the app takes (2 MiB webhooks, 1 MiB Slack) it answers 413 from the headers alone,
# so a 50 MB post costs neither disk nor a thread. Below it the app answers its own 413.
MAX_REQUEST_BODY = 4 * 1024 * 1024
# Waitress' default of 512 kB in memory per request times CONNECTION_LIMIT was 2 GB held by
# half-sent bodies. Most webhooks (a few kB) still never touch the disk.
INBUF_OVERFLOW = 64 * 1024
# All requests still arriving, headers and bodies, memory and temporary files together. 64 of
# the largest bodies the app takes at once, or 2,000 64 kB orders; the bot idles near 100 MB.
BODY_BUDGET = 128 * 1024 * 1024


def raise_open_files_limit() -> int:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        wanted = 1 << 20 if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass  # keep the soft limit; connection_limit() sizes itself to it
    return soft


def connection_limit() -> int:
    """CONNECTION_LIMIT, or fewer when the open-files limit cannot hold that many sockets."""
    limit = min(CONNECTION_LIMIT, raise_open_files_limit() - RESERVED_FDS)
    if limit < CONNECTION_LIMIT:
        log.warning("open-files limit allows only %d connections (ulimit -n)", limit)
    return max(limit, 100)


class TimedParser(HTTPRequestParser):
    """Waitress' request parser, remembering when the request's first byte arrived."""

    def __init__(self, adj: Adjustments) -> None:
        super().__init__(adj)
        self.started = time.time()  # waitress' own clock: maintenance gets time.time()


class GuardedChannel(HTTPChannel):
    """A connection that knows its client's address count and its request's deadline."""

    parser_class = TimedParser
    counted = False
    held = 0  # bytes of the request being received, as counted in the server's budget

    def __init__(self, server: GuardedServer, sock: Any, addr: Any, adj: Adjustments, map=None):
        super().__init__(server, sock, addr, adj, map)
        server.clients.enter(addr)
        self.counted = True

    def waiting_since(self) -> float:
        """When this connection's current request began, or it last did anything if none has."""
        return self.request.started if self.request is not None else self.last_activity

    def overdue(self, now: float) -> str | None:
        """Which deadline the request being received has missed, if any."""
        request = self.request
        if self.requests or request is None:  # being answered, or idle (IDLE_TIMEOUT_S)
            return None
        if not request.headers_finished:
            return "headers" if now - request.started > HEADER_DEADLINE_S else None
        return "body" if now - request.started > BODY_DEADLINE_S else None

    def readable(self) -> bool:
        # A request past INBUF_OVERFLOW waits while the budget is crowded; small ones go on.
        if self.held >= INBUF_OVERFLOW and self.server.budget.crowded():
            return False
        return super().readable()

    def writable(self) -> bool:
        # While a worker thread holds the connection's output lock (it is writing the answer),
        # waitress' handle_write can do nothing (it only tries the lock), yet poll() reports the
        # socket writable at once: the loop spun, walking every connection each time and taking
        # the GIL from the very worker it waited for. At 64 keep-alive clients it went round
        # 20,000 times a second and ingest fell from 1,000 orders/s to under 100. The worker
        # wakes the loop when it lets go of the lock with bytes left (write_soon below) and
        # when it is done (service), so not asking loses nothing.
        if self.requests and self.total_outbufs_len and not self.will_close:
            if not self.outbuf_lock.acquire(False):
                return False
            self.outbuf_lock.release()
        return bool(super().writable())

    def write_soon(self, data: Any) -> int:
        # Waitress wakes the loop for bytes a worker could not send while the worker still
        # holds the lock; a loop that looked then was told "not writable" (above) and would
        # sleep up to its 1 s timeout with a streamed answer's bytes unsent. Woken again now.
        written = int(super().write_soon(data))
        if self.total_outbufs_len and self.connected:
            self.server.pull_trigger()
        return written

    def received(self, data: bytes) -> bool:
        # A read adds at most len(data) to the request's bytes: room is made before, never after.
        if self.will_close or not self.server.make_room(self, len(data)):
            return False
        try:
            return super().received(data)
        finally:
            self.server.budget.update(self, self.buffered())

    def buffered(self) -> int:
        """Bytes held for the request being received: its headers and its body so far."""
        request = self.request
        if request is None or self.will_close:
            return 0
        body = request.body_rcv
        return request.header_bytes_received + (len(body) if body is not None else 0)

    def drop_request(self) -> None:
        """Close at the loop's next pass, and free the partial request's memory or file now."""
        self.will_close = True
        if self.request is not None:
            self.request.close()  # left in place: a worker may still look at it (100-continue)
        self.server.budget.release(self)

    def del_channel(self, map: Any = None) -> None:
        if self.counted:
            self.counted = False
            self.server.clients.leave(self.addr)
        self.drop_request()  # waitress leaves a partial body's temporary file to the collector
        super().del_channel(map)


class ClientCounts:
    """Open connections per client address, shared by the loop and the worker threads."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()

    def full(self, addr: Any) -> bool:
        with self._lock:
            return self._open[addr[0]] >= self.cap

    def enter(self, addr: Any) -> None:
        with self._lock:
            self._open[addr[0]] += 1

    def leave(self, addr: Any) -> None:
        with self._lock:
            self._open[addr[0]] -= 1
            if self._open[addr[0]] <= 0:
                del self._open[addr[0]]


class GuardedServer(TcpWSGIServer):
    """TcpWSGIServer closing overdue requests and refusing a client past its connection cap."""

    channel_class = GuardedChannel
    backlog_empty = True

    def __init__(
        self,
        *args: Any,
        per_client: int = PER_CLIENT_CONNECTIONS,
        body_budget: int = BODY_BUDGET,
        **kw: Any,
    ) -> None:
        self.clients = ClientCounts(per_client)
        self.budget = BodyBudget(body_budget)
        self.cut: Counter[str] = Counter()  # since the last report, by reason
        self.next_report = 0.0  # the first closing is said at once, then once a minute
        super().__init__(*args, **kw)

    def readable(self) -> bool:
        if len(self._map) > self.adj.connection_limit - 2 * ACCEPT_BATCH:
            self.evict_longest_waiting(ACCEPT_BATCH)
        return super().readable()

    def evict_longest_waiting(self, count: int) -> None:
        """Close the `count` connections that have waited longest for their request to arrive."""
        # A store's webhook sends its headers at once, so it is never among the longest waiting.
        waiting = (c for c in self.active_channels.values() if not c.requests and not c.will_close)
        for channel in heapq.nsmallest(count, waiting, key=GuardedChannel.waiting_since):
            channel.will_close = True
            self.cut["evicted when full"] += 1

    def make_room(self, channel: GuardedChannel, incoming: int) -> bool:
        """Close what must go for `incoming` more bytes to fit the budget; False if `channel`."""
        idle = (c for c in self.active_channels.values() if not c.requests and not c.will_close)
        for victim in self.budget.victims(incoming, idle):
            victim.drop_request()  # type: ignore[attr-defined]
            self.cut["over the buffered-bytes budget"] += 1
        if self.budget.held + incoming > self.budget.limit and not channel.will_close:
            channel.drop_request()  # nothing else could be freed: refuse these bytes
            self.cut["over the buffered-bytes budget"] += 1
        return not channel.will_close

    def handle_accept(self) -> None:
        """Accept up to ACCEPT_BATCH waiting connections, not one per pass of the loop."""
        for _ in range(ACCEPT_BATCH):
            self.backlog_empty = True
            super().handle_accept()
            if self.backlog_empty or len(self._map) >= self.adj.connection_limit:
                return

    def accept(self) -> tuple[Any, Any] | None:
        pair = super().accept()
        self.backlog_empty = pair is None
        if pair is not None and self.clients.full(pair[1]):
            pair[0].close()  # before any byte is read: it costs the loop next to nothing
            self.cut["over the per-client connection cap"] += 1
            return None
        return pair

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # waitress' own idle timeout (IDLE_TIMEOUT_S)
        for channel in list(self.active_channels.values()):
            missed = channel.overdue(now)
            if missed and not channel.will_close:
                channel.will_close = True  # the loop closes it on its next pass
                self.cut[f"{missed} too slow"] += 1
        if self.cut and now >= self.next_report:
            log.warning("slow or excess connections closed: %s", dict(self.cut))
            self.cut.clear()
            self.next_report = now + REPORT_EVERY_S


def guarded_server(app: Any, host: str, port: int, threads: int, ident: str) -> GuardedServer:
    """A GuardedServer on the first address `host` resolves to, with the limits above."""
    adj = Adjustments(
        host=host,
        port=port,
        threads=threads,
        ident=ident,
        connection_limit=connection_limit(),
        channel_timeout=IDLE_TIMEOUT_S,
        cleanup_interval=CHECK_EVERY_S,
        asyncore_use_poll=True,
        max_request_body_size=MAX_REQUEST_BODY,
        inbuf_overflow=INBUF_OVERFLOW,
    )
    return GuardedServer(app, map={}, adj=adj, sockinfo=adj.listen[0], body_budget=BODY_BUDGET)
