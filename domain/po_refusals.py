"""Who is acting on a purchase order, and why a move is refused."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import DomainError


@dataclass(frozen=True)
class Actor:
    user: str
    is_approver: bool


class NotAllowed(DomainError):
    """Only approvers may approve, adjust, hold, take in demand or settle a doubtful sending."""


class Stale(DomainError):
    """The actor saw another version, or the PO is no longer in a state for this move."""


class EmptyPo(DomainError):
    """A PO without lines cannot be approved."""


class UnknownLines(DomainError):
    """The form named lines that are not on this PO."""

    def __init__(self, line_ids: list[int]) -> None:
        super().__init__(f"Not on this purchase order: line {', '.join(map(str, line_ids))}.")
        self.line_ids = line_ids
