"""Customers' promises from the command line: the bot refuses a bad `customers:` section."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_bot_refuses_to_start_with_a_bad_customers_value(tmp_path: Path) -> None:
    app_yaml = tmp_path / "app.yaml"
    app_yaml.write_text(
        'slack:\n  channel: "#purchasing"\ncustomers:\n  notices:\n    delayed: sometimes\n',
        encoding="utf-8",
    )
    env = os.environ | {
        "BOT_CONFIG": str(app_yaml),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "jobs", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "`customers.notices.delayed` must be one of auto, approve, off" in result.stderr
