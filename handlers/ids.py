"""Action, callback and block IDs shared by the Block Kit builders and the listeners."""

from __future__ import annotations

import enum


class Action(enum.StrEnum):
    SHARE_REPLY = "share_reply"


COMMAND = "/backorders"
