"""A mail server on loopback that misbehaves on cue: each new connection takes the next
scripted behaviour (refuse at RCPT or after DATA, drop the connection mid-DATA or after the
final dot, or drip its greeting a byte at a time), then it accepts mail as a server should.

A raw socket server rather than aiosmtpd: the faults sit between protocol steps that aiosmtpd
does not let a handler reach (closing before the reply to the final dot, a slow greeting)."""

from __future__ import annotations

import enum
import socket
import struct
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from email import message_from_bytes, policy
from email.message import EmailMessage


class Fault(enum.StrEnum):
    REFUSE_RCPT_421 = "421 at RCPT"
    REFUSE_RCPT_550 = "550 at RCPT"
    REFUSE_DATA_451 = "451 after DATA"
    REFUSE_DATA_550 = "550 after DATA"
    DROP_MID_DATA = "dropped mid-DATA"
    DROP_AFTER_DOT = "dropped after the final dot, unanswered"
    DRIP = "greeting a byte at a time"


class FlakySmtp:
    """Mail `accepted` (answered 250), mail `unanswered` (taken whole, then dropped)."""

    def __init__(self, drip_s: float = 0.25) -> None:
        self.drip_s = drip_s
        self.script: deque[Fault] = deque()
        self.accepted: list[EmailMessage] = []
        self.unanswered: list[EmailMessage] = []
        self.faults_served: list[Fault] = []
        self.dripping = threading.Event()  # set while a dripping connection is open
        self.changed = threading.Condition()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        port = self._listener.getsockname()[1]
        return f"smtp://127.0.0.1:{port}?from=backorders@shop.example"

    def fail_next(self, *faults: Fault) -> None:
        with self.changed:
            self.script.extend(faults)

    def taken(self) -> list[EmailMessage]:
        """Every message the server received whole, answered or not: what may reach a mailbox."""
        with self.changed:
            return self.accepted + self.unanswered

    def wait_for(self, condition: object, timeout: float = 20) -> None:
        with self.changed:
            if not self.changed.wait_for(condition, timeout):  # type: ignore[arg-type]
                raise TimeoutError(f"the mail server saw {self.faults_served}, {self.taken()}")

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self.changed:
                fault = self.script.popleft() if self.script else None
            threading.Thread(target=self._serve, args=(conn, fault), daemon=True).start()

    def _serve(self, conn: socket.socket, fault: Fault | None) -> None:
        with conn, suppress(OSError):
            conn.settimeout(30)
            if fault is not None:
                with self.changed:
                    self.faults_served.append(fault)
                    self.changed.notify_all()
            if fault is Fault.DRIP:
                self._drip(conn)
                return
            self._converse(conn, conn.makefile("rb"), fault)

    def _drip(self, conn: socket.socket) -> None:
        """`220 ...` a byte every `drip_s`: no read ever times out; until the client hangs up."""
        self.dripping.set()
        try:
            for byte in b"220 " + b"slow " * 10_000:
                conn.sendall(bytes([byte]))
                if self._stop.wait(self.drip_s):
                    return
        finally:
            self.dripping.clear()
            with self.changed:
                self.changed.notify_all()

    def _converse(self, conn: socket.socket, reader: object, fault: Fault | None) -> None:
        send = conn.sendall
        send(b"220 flaky ESMTP\r\n")
        while line := reader.readline():  # type: ignore[attr-defined]
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO", b"MAIL", b"RSET", b"NOOP"):
                send(b"250 ok\r\n")
            elif verb == b"RCPT":
                if fault is Fault.REFUSE_RCPT_421:
                    send(b"421 4.3.2 try again later\r\n")
                    return
                send(
                    b"550 5.1.1 no such user\r\n"
                    if fault is Fault.REFUSE_RCPT_550
                    else b"250 ok\r\n"
                )
            elif verb == b"DATA":
                send(b"354 go on\r\n")
                if not self._data(conn, reader, fault):
                    return
            elif verb == b"QUIT":
                send(b"221 bye\r\n")
                return
            else:
                send(b"502 not here\r\n")

    def _data(self, conn: socket.socket, reader: object, fault: Fault | None) -> bool:
        """Read the message to its final dot and answer as scripted; False: connection dropped."""
        lines: list[bytes] = []
        while (line := reader.readline()) not in (b".\r\n", b""):  # type: ignore[attr-defined]
            lines.append(line[1:] if line.startswith(b"..") else line)
            if fault is Fault.DROP_MID_DATA and len(lines) == 3:
                # Closed with the rest unread: the client sees the connection reset.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return False
        message = message_from_bytes(b"".join(lines), policy=policy.default)
        if fault is Fault.DROP_AFTER_DOT:
            self._keep(self.unanswered, message)
            return False
        if fault is Fault.REFUSE_DATA_451:
            conn.sendall(b"451 4.3.0 local problem, try later\r\n")
        elif fault is Fault.REFUSE_DATA_550:
            conn.sendall(b"550 5.7.1 refused\r\n")
        else:
            self._keep(self.accepted, message)  # type: ignore[arg-type]
            conn.sendall(b"250 queued\r\n")
        return True

    def _keep(self, into: list[EmailMessage], message: object) -> None:
        with self.changed:
            into.append(message)  # type: ignore[arg-type]
            self.changed.notify_all()

    def start(self) -> FlakySmtp:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(5)


@contextmanager
def flaky_smtp(drip_s: float = 0.25) -> Iterator[FlakySmtp]:
    server = FlakySmtp(drip_s).start()
    try:
        yield server
    finally:
        server.stop()
