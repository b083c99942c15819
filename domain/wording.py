"""How the bot counts things and guesses what someone meant: plain words, no chat markup."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

MAX_SUGGESTIONS = 3
CLOSENESS = 0.6  # difflib's ratio below which a name is not worth suggesting
MARGIN = 0.1  # a near spelling this much less alike than the best one is not suggested


def noun(n: float, singular: str, plural_form: str | None = None) -> str:
    """The word alone, singular for exactly one: noun(2, "line") == "lines".

    Irregular words pass their plural: noun(2, "box", "boxes")."""
    return singular if n == 1 else (plural_form or f"{singular}s")


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """A count and its word: "1 line", "3 lines", "1,200 units"."""
    return f"{n:,} {noun(n, singular, plural_form)}"


def suggest(asked: str, names: Iterable[str], limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Known names someone probably meant by `asked`: the same name in other case first, then
    names starting with it, names containing it, and names spelt nearly like it."""
    wanted = asked.strip().casefold()
    if not wanted:
        return []
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(name.casefold(), name)
    keys = sorted(by_key, key=lambda k: (len(k), k))
    ranked = [k for k in keys if k == wanted]
    ranked += [k for k in keys if k.startswith(wanted)]
    ranked += [k for k in keys if wanted in k]
    ranked += _nearly_spelt(wanted, keys, limit)
    return [by_key[k] for k in dict.fromkeys(ranked)][:limit]


def _nearly_spelt(wanted: str, keys: list[str], limit: int) -> list[str]:
    """difflib's close matches, best first, without those clearly worse than the best
    (for "bk-pads-disk", BK-PADS-DISC but not BK-PADS-RIM)."""
    close = difflib.get_close_matches(wanted, keys, n=limit, cutoff=CLOSENESS)
    scores = [difflib.SequenceMatcher(None, wanted, key).ratio() for key in close]
    return [key for key, score in zip(close, scores, strict=True) if score >= scores[0] - MARGIN]


def either(names: list[str]) -> str:
    """Names as a choice: "A", "A or B", "A, B or C"."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


def same_name(asked: str, names: Iterable[str]) -> str | None:
    """The one name that is `asked` in another case (bk-tube-700 → BK-TUBE-700), else None."""
    wanted = asked.strip().casefold()
    found = [name for name in names if name.casefold() == wanted]
    return found[0] if len(found) == 1 else None


def did_you_mean(asked: str, names: Iterable[str]) -> str:
    """ " Did you mean Velo Parts Ltd?" for a near miss, "" when nothing is close."""
    found = suggest(asked, names)
    return f" Did you mean {either(found)}?" if found else ""
