"""Errors the domain raises; each carries a message fit to show a user."""

from __future__ import annotations

from dataclasses import dataclass

from domain.wording import plural


class DomainError(Exception):
    """A rule was broken; `str(error)` is a polite, complete explanation."""


@dataclass(frozen=True)
class CatalogProblem:
    """One bad cell or row in a catalog workbook, located the way a person finds it."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.sheet]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class CatalogError(DomainError):
    """A catalog import that was refused whole; nothing of it was applied."""

    def __init__(self, problems: list[CatalogProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"Catalog not imported ({plural(len(problems), 'problem')}); nothing changed:\n{lines}"
        )


class NotFound(DomainError):
    """Asked about something the bot does not know."""
