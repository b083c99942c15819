"""What happens to a purchase order: plain events, each with who, when, before and after."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from domain.purchasing import SendingInDoubt


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


@dataclass(frozen=True)
class SendingUncertain(PoEvent):
    """It may have reached the supplier without that being recorded: a person decides."""

    action: ClassVar[str] = "send_uncertain"


@dataclass(frozen=True)
class SentByHand(PoEvent):
    """A person says the supplier has it: sent, with nothing sent again."""

    action: ClassVar[str] = "sent_by_hand"


@dataclass(frozen=True)
class SentAgain(PoEvent):
    """A person has it go to the supplier once more."""

    action: ClassVar[str] = "sent_again"


PERSON_DECISIONS = frozenset({Adjusted.action, TookInDemand.action})
# what ends a doubt about the sending: the bot saw it go, or a person decided
DOUBT_SETTLED = frozenset({Sent.action, SentByHand.action, SentAgain.action})


@dataclass(frozen=True)
class Remembered:
    """What a PO's history says beyond its row: who last set its quantities, the demand
    waiting beyond them, and a sending in doubt."""

    decided_by: str | None = None
    waiting: int = 0
    in_doubt: SendingInDoubt | None = None


def remembered(history: Iterable[tuple[str, str, dict[str, object] | None]]) -> Remembered:
    """Replays (action, actor, after) in order, as the audit kept them."""
    decided_by, waiting, doubt = None, 0, None
    for action, actor, after in history:
        if action in PERSON_DECISIONS:
            decided_by, waiting = actor, 0
        elif action == DemandWaiting.action and after:
            waiting = int(str(after.get("units", 0)))
        elif action == SendingUncertain.action and after:
            doubt = SendingInDoubt(str(after["to"]), datetime.fromisoformat(str(after["at"])))
        elif action in DOUBT_SETTLED:
            doubt = None
    return Remembered(decided_by, waiting, doubt)


def quantities_changed(before: dict[str, int], after: dict[str, int]) -> str:
    """ "BK-TUBE-700 12 → 24, BK-CHAIN 6 → 0": what a change did, line by line."""
    skus = sorted(set(before) | set(after))
    changes = [
        f"{sku} {before.get(sku, 0)} → {after.get(sku, 0)}"
        for sku in skus
        if before.get(sku, 0) != after.get(sku, 0)
    ]
    return ", ".join(changes)
