"""STYLE.md layers hold: domain is pure, handlers never touch storage, nothing imports bot."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "domain": {"slack_bolt", "slack_sdk", "sqlalchemy", "openpyxl", "apscheduler", "bot"}
    | {"handlers", "storage", "alembic", "waitress", "yaml"}
    | {"logging"},  # the domain reports what failed; the bot logs it
    "handlers": {"sqlalchemy", "storage", "bot", "alembic"},
    "storage": {"slack_bolt", "slack_sdk", "handlers", "bot"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_from_the_layers_outside_it(layer: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[layer])
        for path in (ROOT / layer).rglob("*.py")
        if imported_packages(path) & FORBIDDEN[layer]
    }
    assert offenders == {}


# Words of the chat and the mail server: the domain says "the team's channel", "a person".
CHAT_AND_MAIL = re.compile(r"slack|thread|blocks|block kit|mrkdwn|events api|smtp", re.IGNORECASE)


def test_the_domain_speaks_no_chat_or_mail_server_vocabulary() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "domain").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CHAT_AND_MAIL.search(line)
    ]
    assert offenders == []
