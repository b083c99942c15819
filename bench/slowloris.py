"""A slow-client attacker for tests and benches: many sockets, each trickling header bytes.

Every socket is bound to a loopback source address other than 127.0.0.1 (all of 127.0.0.0/8 is
loopback on Linux) so a server can tell it from the real client on 127.0.0.1; with several
sources the sockets take them in turn, as a botnet would.
It only ever connects to 127.0.0.0/8. A socket the server closes is opened again, as a real
attacker would, so the pressure lasts as long as the attack.
"""

from __future__ import annotations

import ipaddress
import select
import socket
import threading
import time
from dataclasses import dataclass, field

REQUEST_LINE = b"POST /webhooks/orders HTTP/1.1\r\nHost: bot\r\n"
FILLER = b"X-Slow: " + b"a" * 4096  # never ends with \r\n\r\n: the headers never finish
GROUPS = 20  # sockets take turns in this many groups, so sends spread over the interval


@dataclass
class AttackStats:
    """What the attacker saw: connections opened, and how many the server cut, after how long."""

    opened: int = 0
    cut: int = 0  # the server closed the connection (or refused it at accept)
    longest_cut_s: float = 0.0  # the longest any connection lived before the server cut it
    connect_errors: int = 0
    bytes_sent: int = 0
    peak_open: int = 0
    errors: list[str] = field(default_factory=list)


def connect_from(source: str, port: int, stats: AttackStats) -> socket.socket | None:
    """A non-blocking connection to 127.0.0.1:`port` from `source`; None (counted) if refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((source, 0))
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
    except OSError:
        stats.connect_errors += 1
        sock.close()
        return None
    return sock


class SlowClients:
    """Slow connections to 127.0.0.1:`port` from `sources` addresses, 127.0.0.2 on."""

    def __init__(
        self, port: int, count: int = 1000, interval: float = 5.0, sources: int = 1
    ) -> None:
        self.port, self.count, self.interval = port, count, interval
        self.sources = [str(ipaddress.ip_address("127.0.0.2") + n) for n in range(sources)]
        if not all(ipaddress.ip_address(source).is_loopback for source in self.sources):
            raise ValueError("the attacker only runs from loopback addresses")
        self.stats = AttackStats()
        self._sockets: list[socket.socket | None] = [None] * count
        self._sent, self._since = [0] * count, [0.0] * count
        self._by_fd: dict[int, int] = {}
        self._poll = select.poll()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slowloris", daemon=True)

    def __enter__(self) -> SlowClients:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """End the attack and close every socket (bounded: the thread checks often)."""
        self._stop.set()
        self._thread.join(timeout=30)
        for index in range(self.count):
            self._close(index)

    def open_now(self) -> int:
        return len(self._by_fd)

    def _run(self) -> None:
        try:
            for index in range(self.count):
                self._open(index)
            while not self._stop.is_set():
                for group in range(GROUPS):
                    if self._stop.wait(self.interval / GROUPS):
                        return
                    self._notice_cuts()
                    for index in range(group, self.count, GROUPS):
                        self._trickle(index)
                    self.stats.peak_open = max(self.stats.peak_open, self.open_now())
        except Exception as error:  # a broken attacker must show in the test, not hang it
            self.stats.errors.append(repr(error))

    def _open(self, index: int) -> None:
        sock = connect_from(self.sources[index % len(self.sources)], self.port, self.stats)
        if sock is None:
            return
        self._sockets[index], self._sent[index] = sock, 0
        self._since[index] = time.monotonic()
        self._by_fd[sock.fileno()] = index
        self._poll.register(sock, select.POLLIN)
        self.stats.opened += 1
        self._send(index, REQUEST_LINE)  # at once, as slowloris does; then a byte at a time

    def _notice_cuts(self) -> None:
        """Count the connections the server closed (it never answers them), and drop them."""
        for fd, _events in self._poll.poll(0):
            index = self._by_fd.get(fd)
            if index is None:
                continue
            lived = time.monotonic() - self._since[index]
            self.stats.cut += 1
            self.stats.longest_cut_s = max(self.stats.longest_cut_s, lived)
            self._close(index)

    def _trickle(self, index: int) -> None:
        """Send the next byte of a request whose headers never end; reopen a cut socket."""
        sock = self._sockets[index]
        if sock is None:
            self._open(index)
            return
        stream = REQUEST_LINE + FILLER
        position = self._sent[index] % len(stream)
        self._send(index, stream[position : position + 1])

    def _send(self, index: int, data: bytes) -> None:
        sock = self._sockets[index]
        try:
            sent = sock.send(data) if sock is not None else 0
        except OSError:  # still connecting, or reset: _notice_cuts sees a reset as readable
            return
        self._sent[index] += sent
        self.stats.bytes_sent += sent

    def _close(self, index: int) -> None:
        sock, self._sockets[index] = self._sockets[index], None
        if sock is not None:
            self._by_fd.pop(sock.fileno(), None)
            self._poll.unregister(sock)
            sock.close()


class HalfSentBodies:
    """Connections from `sources` addresses (127.0.0.2 on) that each announce a `length`-byte
    body, send all of it but the last byte as fast as the server reads, and hold; a connection
    the server closes is opened again while the attack lasts."""

    def __init__(self, port: int, count: int, length: int, sources: int = 8) -> None:
        self.port, self.count = port, count
        self.sources = [str(ipaddress.ip_address("127.0.0.2") + n) for n in range(sources)]
        if not all(ipaddress.ip_address(source).is_loopback for source in self.sources):
            raise ValueError("the attacker only runs from loopback addresses")
        head = f"POST /webhooks/orders HTTP/1.1\r\nHost: bot\r\nContent-Length: {length}\r\n\r\n"
        self.stream = memoryview(head.encode() + b"x" * (length - 1))
        self.stats = AttackStats()
        self._sockets: dict[int, tuple[socket.socket, int]] = {}  # fd: (socket, bytes sent)
        self._poll = select.poll()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="half-sent", daemon=True)

    def __enter__(self) -> HalfSentBodies:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        for fd in list(self._sockets):
            self._close(fd)

    def holding(self) -> int:
        """Connections that have sent all but the last byte and are waiting."""
        return sum(sent == len(self.stream) for _sock, sent in self._sockets.values())

    def _run(self) -> None:
        try:
            for index in range(self.count):
                self._open(index)
            while not self._stop.is_set():
                for fd, events in self._poll.poll(50):
                    if fd in self._sockets:
                        self._serve(fd, events)
                self.stats.peak_open = max(self.stats.peak_open, len(self._sockets))
        except Exception as error:  # a broken attacker must show in the test, not hang it
            self.stats.errors.append(repr(error))

    def _open(self, index: int) -> None:
        sock = connect_from(self.sources[index % len(self.sources)], self.port, self.stats)
        if sock is None:
            return
        self._sockets[sock.fileno()] = (sock, 0)
        self._poll.register(sock, select.POLLOUT | select.POLLIN)
        self.stats.opened += 1

    def _serve(self, fd: int, events: int) -> None:
        """Send more of the body, or notice the server closed the connection and reopen it."""
        sock, sent = self._sockets[fd]
        if events & ~select.POLLOUT:  # readable, hung up or failed: the server let go
            self.stats.cut += 1
            self._close(fd)
            self._open(fd)
            return
        try:
            more = sock.send(self.stream[sent : sent + 65536])
        except OSError:
            return  # reset: poll reports it as readable next
        self._sockets[fd] = (sock, sent + more)
        self.stats.bytes_sent += more
        if sent + more == len(self.stream):
            self._poll.modify(sock, select.POLLIN)  # hold: only wait to be cut

    def _close(self, fd: int) -> None:
        sock, _sent = self._sockets.pop(fd)
        self._poll.unregister(sock)
        sock.close()
