"""The ingest bench says how much CPU the hypervisor took while it measured."""

from __future__ import annotations

import pytest

from bench.common import cpu_ticks, steal_share
from bench.report import _steal


def test_the_share_stolen_is_counted_between_two_readings() -> None:
    assert steal_share((1_000, 50), (3_000, 550)) == 0.25
    assert _steal(0.25) == " The hypervisor took 25% of the CPU time during the levels (steal)."


def test_no_reading_or_no_time_passed_reports_nothing() -> None:
    assert steal_share(None, (3_000, 550)) is None
    assert steal_share((3_000, 550), (3_000, 550)) is None
    assert _steal(None) == ""


def test_this_machine_is_read_when_it_has_proc_stat() -> None:
    ticks = cpu_ticks()
    if ticks is None:
        pytest.skip("no /proc/stat here (not Linux): the bench reports no steal")
    total, steal = ticks  # the total includes what was stolen
    assert 0 <= steal <= total
