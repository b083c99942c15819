"""A short season through the real bot (bench.season's own code, the bot's policy): at its end
the bot's invariants hold and no unit of demand is forgotten, which is what a shop notices."""

from __future__ import annotations

from bench.season import run_policy

SHORT = {"seed": 3, "days": 21, "suppliers": 2, "skus": 10, "orders_per_day": 4}


def test_a_short_season_keeps_every_invariant_and_forgets_nothing() -> None:
    run = run_policy("bot", SHORT)

    assert run["orders"] > 50  # a season with customers in it, not an empty one
    assert run["backordered_lines"] > 0 and run["pos_sent"] > 0 and run["receipts"] > 0
    assert run["broken"] == []
    assert run["forgotten"] == {"not_on_a_po": 0, "on_the_shelf": 0, "total": 0}
