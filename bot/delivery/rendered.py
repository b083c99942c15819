"""What a notice becomes when it is sent: a Slack post, an update, a file, or a letter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Post:
    """A message in the channel; `reply_to` names the message (by key) whose thread it joins."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    reply_to: str | None = None


@dataclass(frozen=True)
class Update:
    """The message posted under `of`, rewritten."""

    of: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Upload:
    """A file in the channel, in the thread of `reply_to` when given."""

    content: bytes
    filename: str
    title: str | None = None
    comment: str | None = None
    reply_to: str | None = None


@dataclass(frozen=True)
class Letter:
    """An email to a supplier with one attachment (a PO's workbook)."""

    to: str
    subject: str
    body: str
    attachment: tuple[str, bytes]
    message_key: str | None = None  # a stable Message-ID, so a resent copy can be dropped
    reply_to: str | None = None


Rendered = Post | Update | Upload | Letter
