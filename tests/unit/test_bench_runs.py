"""`make bench` runs every figure the goals name: ingest with both summary modes, and ingest
and receiving on PostgreSQL too when one is named."""

from __future__ import annotations

from bench.__main__ import variants

PG = "postgresql://postgres@127.0.0.1:5432/test"


def test_ingest_runs_with_summaries_batched_and_at_once_and_on_postgresql() -> None:
    assert variants("ingest", PG) == [[], ["--batch-every", "0"], ["--database-url", PG]]


def test_receiving_runs_on_both_databases() -> None:
    assert variants("receiving", PG) == [[], ["--database-url", PG]]


def test_without_a_postgresql_url_only_sqlite_runs() -> None:
    assert variants("ingest", None) == [[], ["--batch-every", "0"]]
    assert variants("receiving", None) == [[]]


def test_other_benches_run_once_with_their_defaults() -> None:
    assert variants("slack_ack", PG) == [[]]
