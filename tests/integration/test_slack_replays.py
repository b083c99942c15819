"""The replay guard on SQLite and PostgreSQL: claimed once, released, forgotten after an hour."""

from __future__ import annotations

from storage.db import Database
from storage.events import SqlSeenEvents
from storage.slack_replays import SlackReplays
from storage.tx import SqlTx
from tests.support.builders import T0, minutes


def test_a_key_is_claimed_once_across_replicas(database: Database) -> None:
    one, other = SlackReplays(database), SlackReplays(database)
    assert one.claim("v:abc", T0)
    assert not other.claim("v:abc", T0 + minutes(4))
    assert other.claim("v:abd", T0)


def test_a_released_key_can_be_claimed_again(database: Database) -> None:
    replays = SlackReplays(database)
    assert replays.claim("v:form", T0)
    replays.release("v:form")
    assert replays.claim("v:form", T0 + minutes(1))


def test_claims_older_than_an_hour_are_forgotten_and_event_ids_are_kept(
    database: Database,
) -> None:
    replays = SlackReplays(database)
    assert replays.claim("c:old", T0)
    with database.engine.begin() as conn:
        assert SqlSeenEvents(SqlTx(conn)).first_time("Ev0OLD", T0)
    assert replays.claim("c:new", T0 + minutes(61))
    assert replays.claim("c:old", T0 + minutes(61))  # forgotten, so new again
    with database.engine.begin() as conn:
        assert not SqlSeenEvents(SqlTx(conn)).first_time("Ev0OLD", T0 + minutes(61))


def test_an_event_id_too_long_or_odd_for_its_column_is_still_seen_once(database: Database) -> None:
    for odd in ("Ev" + "9" * 200, "Ev\x00nul", "Ev-ünïcode"):
        with database.engine.begin() as conn:
            assert SqlSeenEvents(SqlTx(conn)).first_time(odd, T0)
        with database.engine.begin() as conn:
            assert not SqlSeenEvents(SqlTx(conn)).first_time(odd, T0 + minutes(1))
