"""A body far over every limit is refused from its headers: its bytes are never waited for."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import RunningBot

PATHS = ("/webhooks/shopify", "/webhooks/woocommerce", "/webhooks/orders", "/slack/events")


def post_headers_only(url: str, path: str, length: int) -> tuple[bytes, float]:
    """Announce a body of `length` bytes, send a few of them, and read the answer."""
    where = urlparse(url)
    started = time.monotonic()
    with socket.create_connection((where.hostname, where.port), timeout=10) as conn:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n{{"
        )
        conn.sendall(head.encode())
        answer = conn.recv(4096)
    return answer, time.monotonic() - started


@pytest.mark.parametrize("path", PATHS)
def test_a_50_mb_post_is_refused_at_once_without_its_body_being_sent(
    running_bot: RunningBot, path: str
) -> None:
    answer, took = post_headers_only(running_bot.url, path, 50 * 1024 * 1024)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert took < 5  # answered from the headers, not after a body deadline
