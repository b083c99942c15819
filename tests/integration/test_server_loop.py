"""The HTTP server's loop waits for a worker writing an answer instead of spinning on it.

Waitress polls a connection for writing as soon as an answer is in its buffer, but while the
worker thread that wrote it still holds the connection's output lock, handle_write can only
try that lock and give up. poll() said "writable" at once, every time: the loop went round
thousands of times a second holding the GIL the worker needed to finish, and a flash sale from
64 keep-alive clients was answered at under 100 orders a second instead of 1,000.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.web.front_door_server import GuardedChannel, GuardedServer, guarded_server

CLIENTS = 24
REQUESTS_EACH = 10


def answer(environ: dict[str, Any], start: Any) -> list[bytes]:
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture
def server() -> Iterator[GuardedServer]:
    server = guarded_server(answer, "127.0.0.1", 0, threads=1, ident="test")
    loop = threading.Thread(target=server.run, daemon=True)
    loop.start()
    yield server
    server.close()
    loop.join(5)


@pytest.fixture
def channel(server: GuardedServer) -> Iterator[GuardedChannel]:
    """A connection as the loop sees it, outside the loop (its map is its own)."""
    ours, theirs = socket.socketpair()
    channel = GuardedChannel(server, ours, ("127.0.0.1", 50000), server.adj, map={})
    yield channel
    channel.del_channel({})
    ours.close()
    theirs.close()


def written_by_a_worker(channel: GuardedChannel) -> threading.Event:
    """A request being answered, its answer in the buffer, and a worker holding the output
    lock until the returned event is set."""
    channel.requests = [object()]  # type: ignore[list-item]
    channel.total_outbufs_len = 19
    holding, done = threading.Event(), threading.Event()

    def worker() -> None:
        with channel.outbuf_lock:
            holding.set()
            done.wait(10)

    threading.Thread(target=worker, daemon=True).start()
    assert holding.wait(10)
    return done


def test_a_connection_whose_answer_a_worker_is_writing_is_not_polled_for_writing(
    channel: GuardedChannel,
) -> None:
    done = written_by_a_worker(channel)

    assert channel.writable() is False  # the worker sends it, and wakes the loop when done

    done.set()
    with channel.outbuf_lock:  # the worker has let go: what is left is the loop's to send
        pass
    assert channel.writable()


def test_a_connection_being_closed_is_still_polled_while_a_worker_writes(
    channel: GuardedChannel,
) -> None:
    done = written_by_a_worker(channel)
    channel.will_close = True

    assert channel.writable()
    done.set()


def test_a_worker_leaving_bytes_unsent_wakes_the_loop_once_it_lets_go_of_the_lock(
    server: GuardedServer, channel: GuardedChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Waitress wakes the loop while the worker still holds the lock; a loop that looked then
    skipped the connection, and a streamed answer's rest waited up to a second."""
    lock_free_at_wake_up: list[bool] = []

    def pull_trigger() -> None:  # seen from another thread, as the loop would see it
        seen: list[bool] = []
        thread = threading.Thread(target=lambda: seen.append(lock_is_free(channel)))
        thread.start()
        thread.join(10)
        lock_free_at_wake_up.extend(seen)

    monkeypatch.setattr(server, "pull_trigger", pull_trigger)
    channel.requests = [object()]  # type: ignore[list-item]

    channel.write_soon(b"x" * (4 * 1024 * 1024))  # more than the socket takes at once

    assert channel.total_outbufs_len > 0  # bytes left for the loop to send
    assert lock_free_at_wake_up[-1] is True


def lock_is_free(channel: GuardedChannel) -> bool:
    if not channel.outbuf_lock.acquire(False):
        return False
    channel.outbuf_lock.release()
    return True


def test_an_answer_left_unsent_with_no_worker_writing_is_polled(channel: GuardedChannel) -> None:
    channel.requests = []
    channel.total_outbufs_len = 19

    assert channel.writable()


def test_every_keep_alive_client_is_answered_by_one_worker(server: GuardedServer) -> None:
    """No answer waits for a wake-up that never comes: more clients than workers, each sending
    request after request on one connection."""

    def client(number: int) -> list[bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=10)
        answers = []
        try:
            for request in range(REQUESTS_EACH):
                body = f"{number}:{request}".encode()
                conn.request("POST", "/", body)
                answers.append(conn.getresponse().read())
        finally:
            conn.close()
        return answers

    with ThreadPoolExecutor(CLIENTS) as pool:
        answered = list(pool.map(client, range(CLIENTS)))

    assert answered == [
        [f"{number}:{request}".encode() for request in range(REQUESTS_EACH)]
        for number in range(CLIENTS)
    ]
