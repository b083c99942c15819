"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and a gate a test
can hold closed: a message sent meanwhile waits in the server (the sender blocked in DATA, as
with a slow or hung mail server) until the gate opens."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived = threading.Condition()
        self.gate = threading.Event()  # set: messages are taken at once
        self.gate.set()
        self.held = 0  # messages that waited at the closed gate

    def close_gate(self) -> None:
        """From now on a message waits in DATA, unanswered, until `open_gate`."""
        self.gate.clear()

    def open_gate(self) -> None:
        self.gate.set()

    def wait_until_held(self, count: int = 1, timeout: float = 15) -> None:
        """Until `count` messages are waiting (or waited) at the closed gate."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: self.held >= count, timeout):
                raise TimeoutError(f"{self.held} emails reached the gate, expected {count}")

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.gate.is_set():
            with self.arrived:
                self.held += 1
                self.arrived.notify_all()
            while not self.gate.is_set():  # the server's loop keeps serving other sessions
                await asyncio.sleep(0.01)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(message)  # type: ignore[arg-type]
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 15) -> list[EmailMessage]:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise TimeoutError(f"{len(self.messages)} emails arrived, expected {count}")
            return list(self.messages)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server(inbox: Inbox | None = None) -> Iterator[tuple[Inbox, str]]:
    """An SMTP server (keeping mail in `inbox`, a new one by default) and its SMTP_URL."""
    inbox = inbox or Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=5)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}?from=backorders@shop.example"
    finally:
        inbox.open_gate()  # a message still held lets the server stop
        controller.stop()


def attachment(message: EmailMessage) -> tuple[str, bytes]:
    [part] = list(message.iter_attachments())
    return str(part.get_filename()), part.get_content()
