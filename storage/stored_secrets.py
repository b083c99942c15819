"""Secrets the bot makes itself, kept in the database so every replica signs alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import StoredSecretRow


def stored_secret(database: Database, name: str, make: Callable[[], str], now: datetime) -> str:
    """The secret called `name`, made and stored by whoever asks first (replicas agree)."""
    found = _read(database, name)
    if found is not None:
        return found
    try:
        with database.writer_turn(), database.engine.begin() as conn:
            conn.execute(
                StoredSecretRow.__table__.insert().values(name=name, value=make(), created_at=now)
            )
    except IntegrityError:
        pass  # another replica stored it first: theirs is the one
    found = _read(database, name)
    assert found is not None, "a stored secret was written and is gone"
    return found


def _read(database: Database, name: str) -> str | None:
    with database.engine.connect() as conn:
        return conn.execute(
            select(StoredSecretRow.value).where(StoredSecretRow.name == name)
        ).scalar_one_or_none()
