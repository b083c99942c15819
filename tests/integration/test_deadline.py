"""The weekly deadline and its reminder, with a controlled clock, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.config import parse_config
from bot.facade import Backorders
from domain import deadline
from domain.model import Catalog, Product, Supplier
from domain.po_rules import SupplierTerms
from domain.purchase_orders import Actor
from storage.db import Database
from tests.support.builders import delivery, order

FRIDAY_3PM = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Europe/London is on UTC in November
CONFIG = {"slack": {"channel": "C0PURCHASE"}, "timezone": "Europe/London"}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def shop(database: Database, clock: Clock, **purchasing: str) -> Backorders:
    config = parse_config(CONFIG | {"purchasing": purchasing})
    desk = Backorders(database, clock, config)
    desk.import_catalog(
        Catalog(
            (Supplier("Acme", None, 7, 50), Supplier("Bolt Co", None, 3, 0)),
            (
                Product("CHAIN", "Chain", "Acme", 0, 6, Decimal("10")),
                Product("BOLT", "Bolt", "Bolt Co", 0, 1, Decimal("1")),
            ),
        )
    )
    return desk


def test_the_deadline_proposes_a_one_unit_buffer_that_never_reached_its_minimum(
    database: Database,
) -> None:
    clock = Clock(FRIDAY_3PM - timedelta(days=2))
    desk = shop(database, clock)
    desk.ingest(delivery(order("1001", ("CHAIN", 1))))
    assert desk.check_buffers() == []  # 1 of 50: no early raise
    clock.now = FRIDAY_3PM
    assert desk.run_deadline() == ["Acme: proposed"]
    [po] = desk.open_pos()
    assert (po.supplier, po.trigger, po.lines[0].quantity) == ("Acme", "deadline", 6)


def test_running_the_deadline_twice_in_a_week_makes_one_proposal_per_supplier(
    database: Database,
) -> None:
    clock = Clock(FRIDAY_3PM)
    desk = shop(database, clock)
    desk.ingest(delivery(order("1001", ("CHAIN", 1), ("BOLT", 2))))
    assert sorted(desk.run_deadline()) == ["Acme: proposed", "Bolt Co: proposed"]
    [acme, _] = sorted(desk.open_pos(), key=lambda p: p.supplier)
    desk.approve_po(acme.po_id, acme.version, Actor("U1", True))
    clock.now = FRIDAY_3PM + timedelta(hours=3)
    desk.ingest(delivery(order("1002", ("CHAIN", 4))))  # new demand after the approval
    assert desk.run_deadline() == []  # this week's deadline is done for both suppliers
    assert sorted(p.status for p in desk.open_pos()) == ["proposed", "sent"]


def test_the_next_weeks_deadline_proposes_again(database: Database) -> None:
    clock = Clock(FRIDAY_3PM)
    desk = shop(database, clock)
    desk.ingest(delivery(order("1001", ("BOLT", 2))))
    desk.run_deadline()
    [po] = desk.open_pos()
    desk.approve_po(po.po_id, po.version, Actor("U1", True))
    desk.ingest(delivery(order("1002", ("BOLT", 1))))
    clock.now = FRIDAY_3PM + timedelta(days=7)
    assert desk.run_deadline() == ["Bolt Co: proposed"]


def test_with_auto_approve_the_deadline_approves_as_the_bot_and_says_so(
    database: Database,
) -> None:
    desk = shop(database, Clock(FRIDAY_3PM), on_deadline="auto_approve")
    desk.ingest(delivery(order("1001", ("BOLT", 2))))
    assert desk.run_deadline() == ["Bolt Co: sent"]  # no email address: sent for forwarding
    [po] = desk.open_pos()
    assert po.number == "PO-0001"
    assert any(d.action == "approved" and "auto_approve" in d.actor for d in po.decisions)


def test_a_held_buffer_is_released_at_the_deadline(database: Database) -> None:
    clock = Clock(FRIDAY_3PM - timedelta(days=1))
    desk = shop(database, clock)
    desk.ingest(delivery(order("1001", ("BOLT", 2))))
    po = desk.raise_po("Bolt Co", "U1")
    held = desk.hold_po(po.po_id, po.version, Actor("U1", True))
    assert held.status == "held" and held.hold_until == FRIDAY_3PM
    clock.now = FRIDAY_3PM
    desk.run_deadline()
    [released] = desk.open_pos()
    assert (released.po_id, released.status) == (po.po_id, "proposed")


def test_the_reminder_goes_once_a_week_with_what_the_deadline_will_do(
    database: Database,
) -> None:
    desk = shop(database, Clock(FRIDAY_3PM - timedelta(hours=2)))
    desk.ingest(delivery(order("1001", ("BOLT", 2))))
    assert desk.remind_deadline() is True
    assert desk.remind_deadline() is False


def acme_fails_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    real = deadline.propose

    def acme_fails(uow: Any, terms: SupplierTerms, *args: Any, **kwargs: Any) -> Any:
        view = real(uow, terms, *args, **kwargs)  # written, then the failure rolls it back
        if terms.name == "Acme":
            raise RuntimeError("Acme's buffer could not be read")
        return view

    monkeypatch.setattr(deadline, "propose", acme_fails)


def test_one_supplier_failing_at_the_deadline_does_not_stop_the_others(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = shop(database, Clock(FRIDAY_3PM))
    desk.ingest(delivery(order("1001", ("CHAIN", 1), ("BOLT", 2))))
    acme_fails_at_the_deadline(monkeypatch)
    done = desk.run_deadline()
    assert sorted(done) == ["Acme: failed (RuntimeError)", "Bolt Co: proposed"]
    assert [p.supplier for p in desk.open_pos()] == ["Bolt Co"]
    monkeypatch.undo()
    assert desk.run_deadline() == ["Acme: proposed"]  # its week was not marked done
    assert sorted(p.supplier for p in desk.open_pos()) == ["Acme", "Bolt Co"]


def test_the_on_call_engineer_finds_the_failed_suppliers_traceback_in_the_bots_log(
    database: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    desk = shop(database, Clock(FRIDAY_3PM))
    desk.ingest(delivery(order("1001", ("CHAIN", 1), ("BOLT", 2))))
    acme_fails_at_the_deadline(monkeypatch)
    with caplog.at_level(logging.ERROR):
        desk.run_deadline()
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.name.startswith("bot."), "the bot logs it; the domain only reports it"
    assert "Acme" in record.getMessage()
    logged = caplog.text
    assert "Traceback (most recent call last)" in logged
    assert "RuntimeError: Acme's buffer could not be read" in logged
    assert "acme_fails" in logged  # the frame where it went wrong
