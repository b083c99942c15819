"""The three ways to buy compared in the season, each with the bot's own machinery.

- `bot`: as configured. Buffers are proposed at the supplier's minimum (the `buffers` job) or
  at the weekly deadline (`deadline`, with its reminder), whatever their size.
- `per_order`: a PO for every backordered order. The buyer works through the orders that
  backordered something, one at a time in working hours: `/backorders raise <supplier>` for
  each supplier the order waits on, then Approve at once. No minimums, no deadline: units that
  arrive while a proposal is open join it, as they would in the bot.
- `monthly`: one PO run every four weeks: the deadline job on every fourth Friday only, with
  minimums out of reach (0: no early raise).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    name: str
    label: str
    minimums: bool  # early raise at each supplier's minimum
    deadline_every_weeks: int | None  # None: no deadline job
    raise_per_order: bool  # the buyer raises and approves a PO for every backordered order


BOT = Policy("bot", "the bot (minimum or weekly deadline)", True, 1, False)
PER_ORDER = Policy("per_order", "a PO for every backordered order", False, None, True)
MONTHLY = Policy("monthly", "a monthly PO", False, 4, False)
POLICIES = {p.name: p for p in (BOT, PER_ORDER, MONTHLY)}
