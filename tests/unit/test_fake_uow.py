"""The fake unit of work keeps to the ports it stands in for, and to their transactions."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

import pytest

from domain import ports
from domain.po_rules import SupplierTerms
from domain.purchase_orders import Actor, hold_po
from tests.support.fake_purchasing import FakePurchasing
from tests.support.fake_uow import (
    FakeOrders,
    FakeOutbox,
    FakePeriods,
    FakeQueries,
    FakeStock,
    FakeUnitOfWork,
    purchasing_setup,
)

T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FAKES = [
    (ports.Purchasing, FakePurchasing),
    (ports.Periods, FakePeriods),
    (ports.Outbox, FakeOutbox),
    (ports.Stock, FakeStock),
    (ports.Orders, FakeOrders),
    (ports.BackorderQueries, FakeQueries),
]


def declared(protocol: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(protocol).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


@pytest.mark.parametrize(("port", "fake"), FAKES, ids=lambda p: p.__name__)
def test_each_fake_has_every_method_of_its_port_with_the_same_parameters(
    port: type, fake: type
) -> None:
    """A method added to a port, or a parameter renamed, fails here, not in a use case."""
    promised = declared(port)
    assert promised, f"{port.__name__} declares no methods: the check would pass vacuously"
    for name, signature in promised.items():
        assert hasattr(fake, name), f"{fake.__name__} lacks {name}"
        ours = inspect.signature(getattr(fake, name))
        assert list(ours.parameters) == list(signature.parameters), f"{fake.__name__}.{name}"


def test_the_fake_unit_of_work_has_every_port_the_domain_may_reach() -> None:
    uow = FakeUnitOfWork()
    missing = [name for name in ports.UnitOfWork.__annotations__ if not hasattr(uow, name)]
    assert missing == []
    assert set(declared(ports.UnitOfWork)) <= set(dir(uow))


def test_a_port_the_fake_leaves_out_says_so_when_used() -> None:
    with pytest.raises(NotImplementedError, match="tested against the databases"):
        FakeUnitOfWork().digest.build(T, T, T)


def test_what_a_use_case_did_is_seen_only_once_it_commits() -> None:
    uow = FakeUnitOfWork()
    with uow:
        assert uow.periods.claim("deadline:2026-W45", T)
        assert "deadline:2026-W45" not in uow.committed.periods
        uow.commit()
    assert "deadline:2026-W45" in uow.committed.periods


def test_leaving_without_commit_or_rolling_back_discards_the_changes() -> None:
    uow = FakeUnitOfWork()
    with uow:
        uow.periods.claim("reminder:2026-W45", T)
    with uow:
        assert uow.periods.claim("reminder:2026-W45", T)  # never kept: free again
        uow.rollback()
        assert uow.periods.claim("reminder:2026-W45", T)
    assert uow.committed.periods == {}


def test_a_refused_use_case_leaves_the_shop_as_it_was() -> None:
    uow = FakeUnitOfWork()
    sid = uow.supplier("Velo Parts Ltd")
    uow.waiting("1001", uow.product("BK-TUBE-700", sid), 2, T)
    terms = SupplierTerms(sid, "Velo Parts Ltd", None, 5, 0)
    with uow:
        po = uow.purchasing.create(terms, "raise", T, [], None)
        assert po is not None
        uow.commit()
    before = uow.committed
    setup = purchasing_setup()
    with pytest.raises(Exception, match="Only approvers can hold"):
        hold_po(uow, po.po_id, 1, Actor("U0NOBODY", False), T, T, setup)
    assert uow.committed == before


def test_the_outbox_keeps_one_notice_per_key() -> None:
    uow = FakeUnitOfWork()

    class Notice:
        key = "po:1"

    with uow:
        assert uow.outbox.add(Notice(), T) is True
        assert uow.outbox.add(Notice(), T) is False
        uow.commit()
    assert len(uow.notices()) == 1
