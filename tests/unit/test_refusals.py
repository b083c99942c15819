"""Refused requests are logged one line each, but a flood of them is counted, not written out."""

from __future__ import annotations

import logging

import pytest

from bot.web.refusals import RefusalLog

ENVIRON = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "REMOTE_ADDR": "203.0.113.9"}


def test_a_refusal_is_one_line_naming_method_path_status_reason_and_sender(
    caplog: pytest.LogCaptureFixture,
) -> None:
    RefusalLog().refused(ENVIRON, 401, "missing or wrong X-Slack-Signature")
    [line] = [r.getMessage() for r in caplog.records]
    assert line == (
        "refused POST /slack/events: 401 missing or wrong X-Slack-Signature (from 203.0.113.9)"
    )


def test_a_flood_of_refusals_is_logged_up_to_the_allowance_then_counted_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    refusals = RefusalLog(per_minute=5, clock=lambda: now[0])
    for _ in range(1_000):
        refusals.refused(ENVIRON, 401, "bad signature")
    assert len(caplog.records) == 5
    now[0] = 61.0
    refusals.refused(ENVIRON, 401, "bad signature")
    lines = [r.getMessage() for r in caplog.records]
    assert lines[5] == "995 more requests refused in the last minute (not logged one by one)"
    assert lines[6].startswith("refused POST /slack/events: 401")
    assert all(r.levelno == logging.WARNING for r in caplog.records)
