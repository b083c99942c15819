"""The bot as an operator runs it (`python -m bot` in its own process), and a store that
delivers signed orders to it from several threads and resends what was not answered 200."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.http import SECRET, Reply, generic_order, request, signed_generic

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRETS = {
    "SHOPIFY_WEBHOOK_SECRET": SECRET,
    "WOOCOMMERCE_WEBHOOK_SECRET": SECRET,
    "ORDERS_WEBHOOK_SECRET": SECRET,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(folder: Path, yaml_text: str) -> Path:
    path = folder / "app.yaml"
    path.write_text(yaml_text)
    return path


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` every 50 ms; fail naming `what` when it does not hold in time."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.05)


@dataclass
class BotProcess:
    """`python -m bot` on a free loopback port; its stderr goes to `log`."""

    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    url: str = ""

    def start(self, timeout: float = 40) -> BotProcess:
        port = free_port()
        env = os.environ | self.env | {"PORT": str(port), "HOST": "127.0.0.1"}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stderr=out
            )
        self.url = f"http://127.0.0.1:{port}"
        wait_until(self._healthy, timeout, f"the bot answering /healthz (log: {self.log})")
        return self

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the bot exited ({self.process.returncode}); log: {self.log}")
        try:
            return request(f"{self.url}/healthz").status in (200, 503)
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, whatever it was doing."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def health(self) -> tuple[int, dict[str, Any]]:
        reply = request(f"{self.url}/healthz")
        return reply.status, reply.json()


@dataclass(frozen=True)
class StoreOrder:
    """One order as a store sends it: the body and its delivery id (a resend repeats both)."""

    number: str
    body: bytes
    delivery_id: str

    def headers(self) -> dict[str, str]:
        return signed_generic(self.body) | {"X-Delivery-Id": self.delivery_id}


def store_orders(prefix: str, count: int, *lines: tuple[str, int]) -> list[StoreOrder]:
    """`count` orders numbered `<prefix>0001`..., each with `lines`, placed a second apart."""
    orders = []
    for i in range(1, count + 1):
        number = f"{prefix}{i:04d}"
        placed = f"2026-11-02T09:{i // 60 % 60:02d}:{i % 60:02d}Z"
        body = generic_order(number, *lines, placed_at=placed, updated_at=placed)
        orders.append(StoreOrder(number, body, f"dlv-{number}"))
    return orders


@dataclass
class Store:
    """Delivers orders to a bot's /webhooks/orders, remembering every answer per order."""

    answers: dict[str, list[Reply | None]] = field(default_factory=dict)

    def deliver(self, url: str, order: StoreOrder, timeout: float = 10) -> Reply | None:
        """None when the connection failed (refused, reset, timed out): no answer at all."""
        try:
            reply = request(f"{url}/webhooks/orders", order.body, order.headers())
        except (OSError, http.client.HTTPException):  # refused, reset, cut mid-answer
            reply = None
        self.answers.setdefault(order.number, []).append(reply)
        return reply

    def burst(self, url: str, orders: Iterable[StoreOrder], threads: int = 6) -> list[Reply | None]:
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(lambda o: self.deliver(url, o), orders))

    def stored(self, number: str) -> bool:
        """Whether the bot ever answered 200 for this order (the store's own view)."""
        return any(r is not None and r.status == 200 for r in self.answers.get(number, []))

    def applied_answer(self, number: str) -> dict[str, Any] | None:
        """The 200 answer that said the order was applied; None when the bot committed it but
        its answer was lost (a 5xx, or no answer, then `duplicate` on the resend)."""
        applied = [
            r.json()
            for r in self.answers.get(number, [])
            if r is not None and r.status == 200 and r.json().get("outcome") == "applied"
        ]
        assert len(applied) <= 1, f"{number}: applied {len(applied)} times"
        return applied[0] if applied else None


def outcomes(replies: Iterable[Reply | None]) -> dict[str, int]:
    """How many answers of each kind: `applied`, `duplicate`, a status code, `no answer`."""
    counts: dict[str, int] = {}
    for reply in replies:
        if reply is None:
            key = "no answer"
        elif reply.status == 200:
            key = str(json.loads(reply.body).get("outcome"))
        else:
            key = str(reply.status)
        counts[key] = counts.get(key, 0) + 1
    return counts
