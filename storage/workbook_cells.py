"""Turn spreadsheet cell values into plain values, or say in words why a cell cannot be used."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from storage.workbook_limits import MAX_TEXT, MAX_UNIT_COST

_DIGITS = re.compile(r"[+-]?\d+")
_FOUR_PLACES = Decimal("0.0001")
_SHOWN = 60  # characters of a bad cell quoted back; the rest would flood the report


class CellError(ValueError):
    """A cell value that cannot be used; `str(error)` is the message for the user."""


@dataclass(frozen=True, slots=True)
class LongText:
    """A text longer than any catalog cell may be: what is shown of it, and what is known."""

    head: str
    length: int
    digits: bool  # all digits: a number too large for any column, not a word


class _UnsavedFormula:
    """A cell holding a formula whose value was never saved (a script wrote it, not Excel)."""

    def __repr__(self) -> str:
        return "UNSAVED_FORMULA"


UNSAVED_FORMULA = _UnsavedFormula()
UNSAVED_FORMULA_MESSAGE = (
    "holds a formula with no saved value: open and save it in Excel, or paste values"
)


def kept(value: str) -> str | LongText:
    """`value` stripped, or cut to a `LongText` when no column could take it anyway."""
    value = value.strip()
    if len(value) <= MAX_TEXT:
        return value
    # Held until every row is checked, the whole text would cost up to 128 KB a cell.
    return LongText(value[:_SHOWN], len(value), bool(_DIGITS.fullmatch(value)))


def is_blank(value: object) -> bool:
    """True for an empty cell, including one holding only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def describe(value: object) -> str:
    """Show a cell value the way the user typed it: text quoted, numbers bare."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, LongText):
        return f'"{value.head}..." ({value.length:,} characters)'
    if isinstance(value, str):
        shown = value.strip()
        if len(shown) > _SHOWN:
            return f'"{shown[:_SHOWN]}..." ({len(shown):,} characters)'
        return f'"{shown}"'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text(value: object, longest: int = MAX_TEXT) -> str:
    """Non-empty text of at most `longest` characters; 12345.0 reads as "12345"."""
    if is_blank(value):
        raise CellError("is empty")
    if isinstance(value, bool):
        raise CellError(f"{describe(value)} is not text")
    if isinstance(value, LongText):
        raise _too_long(value.length, longest)
    if isinstance(value, (date, time, timedelta)):
        # Excel turns entries like 3-12 into dates; the user must format the column as Text.
        raise CellError(f"{_describe_date(value)} is a date or time, not text; format it as Text")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _within(str(value).strip(), longest)


def _within(text: str, longest: int) -> str:
    """`text` itself, or a CellError when it is longer than its database column holds."""
    if len(text) > longest:
        raise _too_long(len(text), longest)
    return text


def _too_long(length: int, longest: int) -> CellError:
    return CellError(f"is {length:,} characters long; at most {longest:,} fit")


MAX_WHOLE_NUMBER = 1_000_000_000  # fits every database's INTEGER, far above any real stock


def whole_number(value: object, minimum: int = 0, maximum: int = MAX_WHOLE_NUMBER) -> int:
    """A whole number from `minimum` to `maximum`: an int, an integral float or a digit string."""
    if is_blank(value):
        raise CellError(f"is empty; a whole number of {minimum} or more is needed")
    _refuse_long(value, "is not a whole number", minimum, f"{maximum:,}")
    number = _as_int(value)
    if number is None:
        raise CellError(f"{describe(value)} is not a whole number")
    if number < minimum:
        raise CellError(f"must be {minimum} or more, not {number}")
    if number > maximum:
        raise CellError(f"{describe(value)} is too large (at most {maximum:,})")
    return number


def _refuse_long(value: object, not_a_number: str, minimum: int, largest: str) -> None:
    """Refuse a cut text in the words its whole would have earned: too large, or no number."""
    if not isinstance(value, LongText):
        return
    if not value.digits:
        raise CellError(f"{describe(value)} {not_a_number}")
    if value.head.startswith("-"):
        raise CellError(f"must be {minimum} or more, not {describe(value)}")
    raise CellError(f"{describe(value)} is too large (at most {largest})")


def optional_email(value: object, longest: int = MAX_TEXT) -> str | None:
    """An email address, or None for an empty cell."""
    if is_blank(value):
        return None
    if isinstance(value, LongText):
        raise _too_long(value.length, longest)
    address = _within(str(value).strip(), longest)
    local, at, domain = address.partition("@")
    if not (at and local and domain) or "@" in domain or any(c.isspace() for c in address):
        raise CellError(f"{describe(value)} is not an email address")
    return address


def money(value: object, largest: Decimal = MAX_UNIT_COST) -> Decimal:
    """An amount of 0 or more, to 4 decimal places; an empty cell is not taken as 0."""
    if is_blank(value):
        raise CellError("is empty; enter the cost (0 if it really costs nothing)")
    _refuse_long(value, "is not a number", 0, f"{largest.normalize():f}")
    amount = _as_decimal(value)
    if amount is None:
        raise CellError(f"{describe(value)} is not a number")
    if amount < 0:
        raise CellError(f"must be 0 or more, not {amount.normalize():f}")
    if amount > largest:
        raise CellError(f"{describe(value)} is too large (at most {largest.normalize():f})")
    return amount


def _as_int(value: object) -> int | None:
    """The integer a cell holds, or None when it holds anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        # Python refuses to convert thousands of digits; 19 already exceed any bound here.
        digits = value.strip()
        return int(digits) if len(digits) <= 19 else MAX_WHOLE_NUMBER + 1
    return None


def _as_decimal(value: object) -> Decimal | None:
    """The finite decimal a cell holds, or None when it holds anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        return None
    try:
        amount = Decimal(value.strip())
        if not amount.is_finite():
            return None
        # Rounding a number of more than 28 digits fails; it is refused as too large anyway.
        return amount if amount.adjusted() > 20 else amount.quantize(_FOUR_PLACES)
    except InvalidOperation:
        return None


def _describe_date(value: date | time | timedelta) -> str:
    """A date without a midnight time part, as a person would read it."""
    if isinstance(value, datetime) and value.time() == time():
        return value.date().isoformat()
    return str(value)
