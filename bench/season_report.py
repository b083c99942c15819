"""The season's table, its goals (for the bot's policy) and its chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

GOAL_S = 120.0
SLACK_DAYS = 7  # wait p90 within the suppliers' lead-time p90 plus a week


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _share(told: dict[str, Any]) -> str:
    if told["share"] is None:
        return "no late lines"
    return f"{told['share']:.0%} ({told['told_before_lapse']}/{told['late_lines']})"


def markdown(results: dict[str, Any]) -> str:
    """One row per policy, with the seed and the settings above it, the goals below."""
    s = results["settings"]
    lines = [
        f"Season: seed {s['seed']}, {s['days']} days, {s['suppliers']} suppliers, "
        f"{s['skus']} SKUs, ~{s['orders_per_day']} orders a day plus a flash sale.",
        "",
        "| policy | orders | wait p50 / p90 / max (days) | still waiting at end | "
        "POs per supplier per week | units forgotten | cancelled by the wait (lines / units) | "
        "late lines told before the promise lapsed | stock left (units) | "
        "supplier lead p90 (days) |",
        "|---|---:|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for r in results["runs"]:
        lines.append(
            f"| {r['label']} | {r['orders']:,} | {_days(r['wait_p50_days'])} / "
            f"{_days(r['wait_p90_days'])} / {_days(r['wait_max_days'])} | "
            f"{r['still_waiting_at_end']} | {r['pos_per_supplier_week']:.2f} | "
            f"{r['forgotten']['total']} | {r['wait_cancelled_lines']} / "
            f"{r['wait_cancelled_units']} | {_share(r['told_in_time'])} | "
            f"{r['stock_left_units']:,} | {_days(r['lead_p90_days'])} |"
        )
    lines += ["", *[f"- {g}" for g in results["goals"]]]
    return "\n".join(lines)


def goals(runs: list[dict[str, Any]]) -> list[str]:
    """The issue's goals checked for the bot's policy: met or not met, with the figure."""
    bot = next((r for r in runs if r["policy"] == "bot"), None)
    if bot is None:
        return ["Goals: the bot's policy was not run."]

    def line(met: bool, what: str) -> str:
        return f"{'met' if met else 'NOT met'}: {what}"

    lead, wait = bot["lead_p90_days"], bot["wait_p90_days"]
    within = lead is not None and wait is not None and wait <= lead + SLACK_DAYS
    told = bot["told_in_time"]
    return [
        line(bot["forgotten"]["total"] == 0, f"0 units forgotten ({bot['forgotten']['total']})"),
        line(
            within,
            f"wait p90 {_days(wait)} days within the suppliers' lead-time p90 {_days(lead)} + "
            f"{SLACK_DAYS} days",
        ),
        line(
            bot["most_non_minimum_pos_in_a_supplier_week"] <= 1,
            "at most one PO per supplier per week besides minimum-triggered ones (most: "
            f"{bot['most_non_minimum_pos_in_a_supplier_week']})",
        ),
        line(
            told["share"] is None or told["share"] == 1.0,
            f"every late line's customer told before the promise lapsed ({_share(told)})",
        ),
    ]


def chart(runs: list[dict[str, Any]], seed: int, path: Path) -> None:
    """Left: each policy's customer waits as a cumulative share; right: POs sent per week."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (waits, weekly) = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    for r in runs:
        values = sorted(r["waits_days"])
        if values:
            shares = [(i + 1) / len(values) for i in range(len(values))]
            waits.step(values, shares, where="post", label=r["label"])
        weekly.plot(
            range(1, len(r["pos_per_week"]) + 1), r["pos_per_week"], marker="o", label=r["label"]
        )
    waits.set_xlabel("customer wait, order to ready to ship (days)")
    waits.set_ylabel("share of backordered lines ready")
    waits.set_title("How long backordered customers waited")
    waits.grid(alpha=0.3)
    waits.legend(loc="lower right")
    weekly.set_xlabel("week of the season")
    weekly.set_ylabel("POs sent to suppliers")
    weekly.set_title("POs sent per week (all suppliers)")
    weekly.grid(alpha=0.3)
    fig.suptitle(f"bench.season, seed {seed}: three buying policies, the same customers")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
