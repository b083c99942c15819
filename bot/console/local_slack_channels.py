"""LocalSlack's channels: conversations.list and .info, and whether a message may go somewhere.

A new workspace has #general and #purchasing, the bot a member of both. By default a channel
the workspace does not know is accepted as before (any name or ID posts); with `ids_only`, as
real Slack does for files.completeUploadExternal, only the ID of a known channel (or a DM's
D... ID) is accepted, and a name is answered `channel_not_found`.
"""

from __future__ import annotations

import base64
import binascii
import itertools
from dataclasses import dataclass, field
from typing import Any

CREATED = 1_700_000_000
DEFAULT_LIMIT = 100
TRUE = ("1", "true", "True", True)


@dataclass(frozen=True)
class Channel:
    """A channel as the bot sees it: is it private, archived, is the bot in it."""

    id: str
    name: str
    is_private: bool = False
    is_member: bool = True
    is_archived: bool = False

    @property
    def visible(self) -> bool:
        """Slack hides a private channel from a bot that is not in it."""
        return self.is_member or not self.is_private

    def shape(self) -> dict[str, Any]:
        """The conversation object Slack answers (the fields a client reads)."""
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_member": self.is_member,
            "created": CREATED,
        }


SEEDED = (Channel("C0GENERAL", "general"), Channel("C0PURCHASE", "purchasing"))


@dataclass
class Channels:
    """The workspace's channels by ID, in creation order."""

    ids_only: bool = False
    by_id: dict[str, Channel] = field(default_factory=dict)
    _serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        for channel in SEEDED:
            self.by_id.setdefault(channel.id, channel)

    def add(self, name: str, **flags: bool) -> str:
        """Create (or replace) the channel called `name`; its new ID."""
        name = name.lstrip("#").lower()
        self.by_id = {i: c for i, c in self.by_id.items() if c.name != name}
        channel = Channel(f"C{next(self._serial):010d}", name, **flags)
        self.by_id[channel.id] = channel
        return channel.id

    def problem(self, channel: Any) -> str | None:
        """The Slack error a post to `channel` gets, or None when it may go there."""
        if not channel:
            return "channel_not_found"
        known = self.by_id.get(str(channel))
        if known is None:
            lenient = not self.ids_only or str(channel).startswith("D")
            return None if lenient else "channel_not_found"
        if not known.visible:
            return "channel_not_found"
        if known.is_archived:
            return "is_archived"
        return None if known.is_member else "not_in_channel"

    def info(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.info: a known channel; an unknown one is made up unless `ids_only`."""
        channel = str(params.get("channel") or "")
        known = self.by_id.get(channel)
        if known is None and channel and not self.ids_only:
            known = Channel(channel, channel.lstrip("#").lower())
        if known is None or not known.visible:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": known.shape()}

    def list_page(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.list: one page of the channels of the asked types, and the next cursor."""
        try:
            start = cursor_offset(str(params.get("cursor") or ""))
            limit = int(params.get("limit") or DEFAULT_LIMIT)
        except ValueError:
            return {"ok": False, "error": "invalid_cursor"}
        shown = [c for c in self.by_id.values() if _wanted(c, params)]
        page = shown[start : start + max(1, min(limit, 1000))]
        more = start + len(page) < len(shown)
        cursor = page_cursor(start + len(page)) if more else ""
        return {
            "ok": True,
            "channels": [c.shape() for c in page],
            "response_metadata": {"next_cursor": cursor},
        }


def _wanted(channel: Channel, params: dict[str, Any]) -> bool:
    types = str(params.get("types") or "public_channel").split(",")
    kind = "private_channel" if channel.is_private else "public_channel"
    if kind not in types or not channel.visible:
        return False
    return not (channel.is_archived and params.get("exclude_archived") in TRUE)


def page_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def cursor_offset(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ValueError(cursor) from error
    if kind != "offset" or not number.isdigit():
        raise ValueError(cursor)
    return int(number)
