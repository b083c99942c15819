"""Which replica runs the scheduler: electors on real PostgreSQL sessions, driven tick by tick."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import ConfigError
from bot.scheduling.leader import LOCK_CLASS, AdvisoryLock, SchedulerLead
from bot.settings import settings_from_env
from storage.db import Database, connect
from tests.support.databases import postgres_schema_url, require_postgres


class FakeScheduler:
    """Stands for APScheduler: started when made, stopped by `shutdown`."""

    def __init__(self, started: list[FakeScheduler]) -> None:
        self.running = True
        started.append(self)

    def remove_jobstore(self, alias: str, shutdown: bool = True) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:
        self.running = False


class Replica:
    """One bot process's election, on its own lock connection."""

    def __init__(self, database: Database) -> None:
        self.started: list[FakeScheduler] = []
        lock = AdvisoryLock.on(database)
        self.lead = SchedulerLead(lock, lambda: FakeScheduler(self.started), retry_s=1)

    @property
    def running(self) -> int:
        return sum(scheduler.running for scheduler in self.started)


def schema_database(name: str) -> Iterator[Database]:
    require_postgres()
    schema = f"{name}_{os.getpid()}"
    database = connect(postgres_schema_url(schema))
    yield database
    with database.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    database.dispose()


@pytest.fixture
def lock_database() -> Iterator[Database]:
    yield from schema_database("bb_lead")


@pytest.fixture
def other_database() -> Iterator[Database]:
    yield from schema_database("bb_lead_other")


@pytest.fixture
def replicas(lock_database: Database) -> Iterator[tuple[Replica, Replica]]:
    first, second = Replica(lock_database), Replica(lock_database)
    yield first, second
    first.lead.stop()
    second.lead.stop()


def end_leader_session(database: Database) -> None:
    """What the server does to a dead process's session (or an operator's pg_terminate_backend)."""
    with database.engine.begin() as conn:
        pid = conn.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = CAST(CAST(:c AS int4) AS oid) AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
                " AND pid IN (SELECT pid FROM pg_stat_activity WHERE application_name LIKE :me)"
            ),
            {"c": LOCK_CLASS, "me": f"%:{os.getpid()}"},
        ).scalar_one()
        assert conn.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid}).scalar()


@pytest.mark.postgres
def test_of_two_replicas_one_runs_the_scheduler_and_the_other_stands_by(
    replicas: tuple[Replica, Replica],
) -> None:
    first, second = replicas
    first.lead.start(background=False)
    second.lead.start(background=False)
    second.lead.tick()  # a standby's next try changes nothing while the leader lives
    assert (first.lead.role, second.lead.role) == ("leader", "standby")
    assert (first.running, second.running) == (1, 0)


@pytest.mark.postgres
def test_a_leader_whose_session_ends_stops_its_scheduler_and_the_standby_takes_over(
    replicas: tuple[Replica, Replica], lock_database: Database
) -> None:
    first, second = replicas
    first.lead.start(background=False)
    second.lead.start(background=False)
    end_leader_session(lock_database)
    first.lead.tick()  # its check finds the lock connection gone
    assert (first.lead.role, first.running) == ("standby", 0)
    second.lead.tick()
    first.lead.tick()
    assert (first.lead.role, second.lead.role) == ("standby", "leader")
    assert (first.running, second.running) == (0, 1)


@pytest.mark.postgres
def test_a_leader_that_stops_hands_the_scheduler_to_the_standby(
    replicas: tuple[Replica, Replica],
) -> None:
    first, second = replicas
    first.lead.start(background=False)
    second.lead.start(background=False)
    first.lead.stop()
    second.lead.tick()
    assert (first.lead.role, second.lead.role) == ("off", "leader")
    assert (first.running, second.running) == (0, 1)


@pytest.mark.postgres
def test_bots_in_two_schemas_of_one_database_each_have_a_leader(
    lock_database: Database, other_database: Database
) -> None:
    here, there = Replica(lock_database), Replica(other_database)
    try:
        here.lead.start(background=False)
        there.lead.start(background=False)
        assert (here.lead.role, there.lead.role) == ("leader", "leader")
    finally:
        here.lead.stop()
        there.lead.stop()


def test_on_sqlite_the_one_process_runs_the_scheduler(tmp_path: Path) -> None:
    database = connect(f"sqlite:///{tmp_path / 'bot.db'}")
    started: list[FakeScheduler] = []
    lead = SchedulerLead(AdvisoryLock.on(database), lambda: FakeScheduler(started))
    lead.start()
    assert (lead.role, len(started)) == ("leader", 1)
    lead.stop()
    assert (lead.role, started[0].running) == ("off", False)
    database.dispose()


@pytest.mark.parametrize("value", ["0", "60", "soon"])
def test_a_standby_retry_that_could_miss_the_minute_is_refused_naming_the_variable(
    value: str,
) -> None:
    with pytest.raises(ConfigError, match=f"SCHEDULER_STANDBY_RETRY_S .* not '{value}'"):
        settings_from_env({"SCHEDULER_STANDBY_RETRY_S": value})
    assert settings_from_env({"SCHEDULER_STANDBY_RETRY_S": "1"}).scheduler_retry_s == 1
