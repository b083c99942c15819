"""Purchase order use cases: each loads the PO once, makes one move, saves it and says so."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.errors import DomainError, NotFound
from domain.notifications import PO_CHANGED, PO_NOTE, PO_PROPOSED, Notice, proposal_key
from domain.po_rules import DemandLine, SupplierTerms, draft_lines, due_at_minimum
from domain.ports import UnitOfWork
from domain.purchase_order import (
    BOT,
    Actor,
    EmptyPo,
    NotAllowed,
    PurchaseOrder,
    Stale,
    UnknownLines,
)
from domain.purchasing import PoDecision, PoItem, PurchaseOrderView
from domain.services import unknown_supplier

__all__ = ["BOT", "Actor", "EmptyPo", "NotAllowed", "PoChanged", "UnknownLines"]


@dataclass(frozen=True)
class PurchasingSetup:
    channel: str
    po_prefix: str
    email_enabled: bool


class PoChanged(DomainError):
    """The click was on an older version of the proposal, or it was already decided."""

    def __init__(self, message: str, po: PurchaseOrderView) -> None:
        super().__init__(message)
        self.po = po


def raise_po(
    uow: UnitOfWork, supplier: str, actor: str, now: datetime, setup: PurchasingSetup
) -> PurchaseOrderView:
    """Propose a supplier's buffer now (`/backorders raise`)."""
    with uow:
        terms = uow.purchasing.supplier(supplier)
        if terms is None:
            raise unknown_supplier(uow, supplier)
        view = propose(uow, terms, "raise", actor, now, setup)
        uow.commit()
    return view


def propose(
    uow: UnitOfWork,
    terms: SupplierTerms,
    trigger: str,
    actor: str,
    now: datetime,
    setup: PurchasingSetup,
    period_key: str | None = None,
    demand: list[DemandLine] | None = None,
    served: tuple[int, datetime | None] | None = None,
) -> PurchaseOrderView:
    """A proposal for the buffer, or the open one brought up to date (as far as a job may).

    The deadline passes what it read for every supplier at once (`demand`, `served`: orders
    waiting and the oldest), so a new proposal costs a few inserts and no further reads.
    """
    existing = None if served is not None else uow.purchasing.load_open(terms.supplier_id)
    if demand is None:
        demand = uow.purchasing.demand(terms.supplier_id)
    if existing is not None:
        return _follow(uow, existing, demand, now, setup, release=trigger != "minimum")
    lines = draft_lines(demand, {})
    if not any(line.quantity for _, line in lines):
        raise DomainError(f"Nothing is waiting for {terms.name}: there is nothing to order.")
    items = [PoItem.of(pid, line) for pid, line in lines]
    po = uow.purchasing.create(terms, trigger, now, items, period_key)
    if po is None:  # another replica proposed at the same moment: use theirs
        theirs = uow.purchasing.load_open(terms.supplier_id)
        if theirs is None:
            raise DomainError(f"{terms.name}'s proposal changed meanwhile: try again.")
        return _follow(uow, theirs, demand, now, setup)
    after = {item.sku: item.quantity for item in items}
    uow.purchasing.record(po.po_id, "raised", actor, now, after=after, note=trigger)
    po.history = (PoDecision("raised", actor, now, trigger),)
    view = po.view(served if served is not None else served_by(uow, po))
    proposed = Notice(PO_PROPOSED, setup.channel, {"po_id": po.po_id}, proposal_key(po.po_id))
    uow.outbox.add(proposed, now)
    return view


def _follow(
    uow: UnitOfWork,
    po: PurchaseOrder,
    demand: list[DemandLine],
    now: datetime,
    setup: PurchasingSetup,
    release: bool = False,
) -> PurchaseOrderView:
    """A job's pass over an open proposal: released if asked, following demand as far as the
    aggregate allows (a person's quantities stay)."""
    events = po.release(now) if release else []
    events += po.follow_demand(demand, now)
    if not events:
        return po.view(served_by(uow, po))
    return publish(uow, po, now, setup)


def check_buffers(uow: UnitOfWork, now: datetime, setup: PurchasingSetup) -> list[str]:
    """Open proposals follow their buffers; a buffer at its minimum is proposed early."""
    done = []
    with uow:
        for buffer in uow.purchasing.buffers():
            sid = buffer.terms.supplier_id
            if buffer.open_status == "proposed" and buffer.open_po_id is not None:
                po = uow.purchasing.load(buffer.open_po_id)
                if po is None:
                    continue
                events = po.follow_demand(uow.purchasing.demand(sid), now)
                if events:
                    publish(uow, po, now, setup)
                    done.append(f"{events[0].action} {buffer.terms.name}")
            elif due_at_minimum(buffer):
                propose(uow, buffer.terms, "minimum", BOT, now, setup)
                done.append(f"proposed {buffer.terms.name}")
        uow.commit()
    return done


def served_by(uow: UnitOfWork, po: PurchaseOrder) -> tuple[int, datetime | None]:
    return uow.purchasing.served_by([item.product_id for item in po.lines])


def publish(
    uow: UnitOfWork,
    po: PurchaseOrder,
    now: datetime,
    setup: PurchasingSetup,
    before_update: Callable[[PurchaseOrderView], None] | None = None,
) -> PurchaseOrderView:
    """Save the PO and its events; the team sees it as it stands (after `before_update`'s
    notices, such as the workbook, in the order people should see them)."""
    uow.purchasing.save(po)
    view = po.view(served_by(uow, po))
    if before_update is not None:
        before_update(view)
    uow.outbox.add(Notice(PO_CHANGED, setup.channel, {"po_id": po.po_id}), now)
    return view


def loaded(uow: UnitOfWork, po_id: int) -> PurchaseOrder:
    po = uow.purchasing.load(po_id)
    if po is None:
        raise NotFound("That purchase order no longer exists.")
    return po


def decided(
    uow: UnitOfWork, po_id: int, now: datetime, setup: PurchasingSetup, move: Any
) -> PurchaseOrderView:
    """Load the PO once, make a person's move; a stale one is refused with the PO as it is."""
    with uow:
        po = loaded(uow, po_id)
        try:
            events = move(po)
        except Stale as stale:
            raise PoChanged(str(stale), po.view(served_by(uow, po))) from None
        view = publish(uow, po, now, setup) if events else po.view(served_by(uow, po))
        uow.commit()
    return view


def adjust_po(
    uow: UnitOfWork,
    po_id: int,
    version: int,
    quantities: dict[int, int],
    note: str | None,
    actor: Actor,
    now: datetime,
    setup: PurchasingSetup,
) -> PurchaseOrderView:
    """New quantities per line, rounded up to cases; lowering leaves the rest waiting."""
    return decided(
        uow, po_id, now, setup, lambda po: po.adjust(quantities, note, actor, version, now)
    )


def take_in_po(
    uow: UnitOfWork, po_id: int, version: int, actor: Actor, now: datetime, setup: PurchasingSetup
) -> PurchaseOrderView:
    """A person takes in the demand that arrived since the last adjustment."""

    def take_in(po: PurchaseOrder) -> list[Any]:
        return po.take_in(uow.purchasing.demand(po.supplier.supplier_id), actor, version, now)

    return decided(uow, po_id, now, setup, take_in)


def hold_po(
    uow: UnitOfWork,
    po_id: int,
    version: int,
    actor: Actor,
    until: datetime,
    now: datetime,
    setup: PurchasingSetup,
) -> PurchaseOrderView:
    """The buffer waits for the next deadline."""
    return decided(uow, po_id, now, setup, lambda po: po.hold(actor, version, until, now))


def unknown_lines(uow: UnitOfWork, po_id: int, named: dict[int, str]) -> dict[int, str]:
    """Why each line id a form names (with the SKU its label gave) cannot be adjusted."""
    with uow:
        po = uow.purchasing.load(po_id, lock=False)
        on_po = {item.line_id for item in po.items} if po else set()
        foreign = {lid: sku for lid, sku in named.items() if lid not in on_po}
        known = uow.purchasing.catalog_skus(set(foreign.values())) if foreign else set()
    return {
        lid: f"{sku}: not on this purchase order" + ("" if sku in known else ", nor in the catalog")
        for lid, sku in foreign.items()
    }


def show(uow: UnitOfWork, po_id: int, now: datetime, setup: PurchasingSetup) -> PurchaseOrderView:
    """The team sees the PO as it now stands."""
    view = uow.purchasing.view(po_id)
    uow.outbox.add(Notice(PO_CHANGED, setup.channel, {"po_id": po_id}), now)
    return view


def note(uow: UnitOfWork, po_id: int, text: str, now: datetime, setup: PurchasingSetup) -> None:
    """A line in the PO's story, told with the PO."""
    uow.outbox.add(Notice(PO_NOTE, setup.channel, {"po_id": po_id, "text": text}), now)


def open_pos(uow: UnitOfWork) -> list[PurchaseOrderView]:
    """Every PO not yet received: proposals, held buffers, approved and sent."""
    with uow:
        return uow.purchasing.open_views()
