"""What happens to a purchase order: plain events, each with who, when, before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar


@dataclass(frozen=True)
class PoEvent:
    """One change to a PO, as the audit keeps it (`action` is the audit's word)."""

    actor: str
    at: datetime
    before: dict[str, object] | None = None
    after: dict[str, object] | None = None
    note: str | None = None
    action: ClassVar[str] = "changed"


@dataclass(frozen=True)
class Raised(PoEvent):
    action: ClassVar[str] = "raised"


@dataclass(frozen=True)
class FollowedDemand(PoEvent):
    action: ClassVar[str] = "updated"


@dataclass(frozen=True)
class DemandWaiting(PoEvent):
    """More demand waits than a person's lines cover: shown, never merged by a job."""

    action: ClassVar[str] = "demand_waiting"


@dataclass(frozen=True)
class Adjusted(PoEvent):
    action: ClassVar[str] = "adjusted"


@dataclass(frozen=True)
class TookInDemand(PoEvent):
    action: ClassVar[str] = "took_in"


@dataclass(frozen=True)
class Held(PoEvent):
    action: ClassVar[str] = "held"


@dataclass(frozen=True)
class Released(PoEvent):
    action: ClassVar[str] = "released"


@dataclass(frozen=True)
class Approved(PoEvent):
    action: ClassVar[str] = "approved"


@dataclass(frozen=True)
class Sent(PoEvent):
    action: ClassVar[str] = "sent"


def quantities_changed(before: dict[str, int], after: dict[str, int]) -> str:
    """ "BK-TUBE-700 12 → 24, BK-CHAIN 6 → 0": what a change did, line by line."""
    skus = sorted(set(before) | set(after))
    changes = [
        f"{sku} {before.get(sku, 0)} → {after.get(sku, 0)}"
        for sku in skus
        if before.get(sku, 0) != after.get(sku, 0)
    ]
    return ", ".join(changes)
