"""The load generator: closed-loop clients on keep-alive connections, in a process of its own."""

from __future__ import annotations

import http.client
import math
import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.workload import Request

HOST = "127.0.0.1"  # the only host this bench ever sends to
REQUEST_TIMEOUT = 10.0
JOIN_GRACE = REQUEST_TIMEOUT + 20.0


@dataclass(frozen=True)
class Level:
    """One measurement: `clients` closed-loop clients for `seconds` after `warmup`."""

    port: int
    path: str
    clients: int
    warmup: float
    seconds: float


@dataclass
class ClientLog:
    """What one client saw inside the measured window."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    exhausted: bool = False


class Feed:
    """Hands out the prepared requests once each, to whichever client asks first."""

    def __init__(self, requests: list[Request]) -> None:
        self._items: Iterator[Request] = iter(requests)
        self._lock = threading.Lock()
        self.handed_out = 0

    def next(self) -> Request | None:
        with self._lock:
            item = next(self._items, None)
            self.handed_out += item is not None
            return item


def send(conn: http.client.HTTPConnection, path: str, request: Request) -> int:
    """POST one request and read the whole answer; 0 when the connection failed."""
    body, headers = request
    try:
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        conn.close()  # http.client reconnects on the next request
        return 0


def client(level: Level, feed: Feed, window: tuple[float, float], budget: int) -> ClientLog:
    """Send until the window closes or the feed runs dry, recording what ends inside the window."""
    start, end = window
    log = ClientLog()
    conn = http.client.HTTPConnection(HOST, level.port, timeout=REQUEST_TIMEOUT)
    try:
        for _ in range(budget):
            request = feed.next()
            if request is None:
                log.exhausted = True
                break
            sent = time.perf_counter()
            status = send(conn, level.path, request)
            done = time.perf_counter()
            if start <= done <= end:
                log.latencies.append(done - sent)
                log.statuses[status] += 1
            if done >= end:
                break
    finally:
        conn.close()
    return log


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 when empty)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass(frozen=True)
class Summary:
    """One level's numbers: throughput of 200s, latency of every answer, non-200s."""

    clients: int
    seconds: float
    requests: int
    ok: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    errors: int
    error_statuses: dict[str, int]
    exhausted: bool
    sent: int  # every request sent, warm-up and stragglers included: the first `sent` prepared


def summarize(level: Level, logs: list[ClientLog], sent: int) -> Summary:
    """Merge the clients' logs into one level summary."""
    latencies = sorted(x for log in logs for x in log.latencies)
    statuses: Counter[int] = Counter()
    for log in logs:
        statuses.update(log.statuses)
    ok, n = statuses[200], len(latencies)
    ms = [1000 * percentile(latencies, q) for q in (0.5, 0.9, 0.99, 1.0)]
    return Summary(
        clients=level.clients,
        seconds=level.seconds,
        requests=n,
        ok=ok,
        rps=ok / level.seconds,
        p50_ms=ms[0],
        p90_ms=ms[1],
        p99_ms=ms[2],
        max_ms=ms[3],
        mean_ms=1000 * sum(latencies) / n if n else 0.0,
        errors=n - ok,
        error_statuses={str(k): v for k, v in sorted(statuses.items()) if k != 200},
        exhausted=any(log.exhausted for log in logs),
        sent=sent,
    )


def run_level(level: Level, requests: list[Request]) -> Summary:
    """Run all clients on threads of this process; return the level's summary."""
    feed, logs = Feed(requests), [ClientLog() for _ in range(level.clients)]
    start = time.perf_counter() + level.warmup
    window = (start, start + level.seconds)

    def work(i: int) -> None:
        logs[i] = client(level, feed, window, len(requests))

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(level.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=level.warmup + level.seconds + JOIN_GRACE)
    return summarize(level, logs, feed.handed_out)


def _child(level: Level, requests: list[Request], results: Any) -> None:
    results.put(asdict(run_level(level, requests)))


def measure(level: Level, requests: list[Request]) -> dict[str, Any]:
    """Run one level in its own process (no GIL shared with anyone) and return its summary."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_child, args=(level, requests, results), daemon=True)
    process.start()
    try:
        return results.get(timeout=level.warmup + level.seconds + 2 * JOIN_GRACE)
    finally:
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)
