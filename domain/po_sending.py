"""Approving a PO and sending it: its number, the workbook, the email (or a note to forward)."""

from __future__ import annotations

from datetime import datetime

from domain.notifications import (
    PO_EMAIL_DELAYED,
    PO_EMAIL_UNCERTAIN,
    PO_FORWARD_BY_HAND,
    PO_TO_SUPPLIER,
    PO_WORKBOOK,
    SUPPLIERS,
    Notice,
    proposal_key,
)
from domain.ports import UnitOfWork
from domain.purchase_order import Actor, PurchaseOrder, Stale
from domain.purchase_orders import (
    PoChanged,
    PurchasingSetup,
    loaded,
    note,
    publish,
    served_by,
)
from domain.purchasing import PurchaseOrderView


def approve_po(
    uow: UnitOfWork, po_id: int, version: int, actor: Actor, now: datetime, setup: PurchasingSetup
) -> PurchaseOrderView:
    """Approve exactly once: a number, a workbook, an email (or a note to forward it)."""
    with uow:
        po = loaded(uow, po_id)
        try:
            _approve(uow, po, actor, version, now, setup)
        except Stale as stale:
            raise PoChanged(str(stale), po.view(served_by(uow, po))) from None
        view = _approved(uow, po, now, setup)
        uow.commit()
    return view


def _approve(
    uow: UnitOfWork,
    po: PurchaseOrder,
    actor: Actor,
    seen: int | None,
    now: datetime,
    setup: PurchasingSetup,
    note: str | None = None,
) -> None:
    po.approve(actor, seen, now, lambda: uow.purchasing.next_number(setup.po_prefix), note)


def approve_locked(
    uow: UnitOfWork,
    po_id: int,
    user: str,
    now: datetime,
    setup: PurchasingSetup,
    note: str | None = None,
) -> PurchaseOrderView:
    """The deadline's approval (`on_deadline: auto_approve`) of the proposal as it stands."""
    po = loaded(uow, po_id)
    _approve(uow, po, Actor(user, True), None, now, setup, note)
    return _approved(uow, po, now, setup)


def _approved(
    uow: UnitOfWork, po: PurchaseOrder, now: datetime, setup: PurchasingSetup
) -> PurchaseOrderView:
    """Saved with its number; the workbook and the email (or a note) go out as it stands."""
    emailed = bool(po.supplier.email and setup.email_enabled)
    if not emailed:
        po.mark_sent(now)  # forwarded by hand: sent as far as the bot can tell

    def send(view: PurchaseOrderView) -> None:
        _send_out(uow, po, emailed, now, setup)

    return publish(uow, po, now, setup, send)


def _send_out(
    uow: UnitOfWork, po: PurchaseOrder, emailed: bool, now: datetime, setup: PurchasingSetup
) -> None:
    """The workbook for the team, and the PO to the supplier or a note to forward it."""
    key, facts = proposal_key(po.po_id), {"po_id": po.po_id}
    uow.outbox.add(Notice(PO_WORKBOOK, setup.channel, facts, f"{key}:file"), now)
    to = po.supplier.email
    if emailed:
        uow.outbox.add(Notice(PO_TO_SUPPLIER, SUPPLIERS, facts | {"to": to}, f"{key}:email"), now)
    else:
        by_hand = facts | {"supplier": po.supplier.name, "to": to or None}
        uow.outbox.add(Notice(PO_FORWARD_BY_HAND, setup.channel, by_hand), now)


def record_emailed(
    uow: UnitOfWork, po_id: int, to: str, now: datetime, setup: PurchasingSetup
) -> None:
    """The supplier has the PO: it is sent, in the transaction that marks the email sent."""
    po = uow.purchasing.load(po_id)
    if po is None or not po.mark_sent(now):
        return  # already marked: a repeated delivery changes nothing
    note(uow, po_id, f"📧 Emailed to {to}.", now, setup)
    publish(uow, po, now, setup)


def record_email_uncertain(
    uow: UnitOfWork, po_id: int, to: str, handed_at: datetime, now: datetime, setup: PurchasingSetup
) -> None:
    """The email may have gone without its sending being recorded: a person checks, since a
    second email could make the supplier ship twice."""
    facts = {"po_id": po_id, "to": to, "at": handed_at.isoformat()}
    key = f"{proposal_key(po_id)}:email-uncertain"
    uow.outbox.add(Notice(PO_EMAIL_UNCERTAIN, setup.channel, facts, key), now)


def email_delayed(
    uow: UnitOfWork, po_id: int, error: str, now: datetime, setup: PurchasingSetup
) -> None:
    """The team hears, once, that the email is late and will be retried."""
    with uow:
        facts = {"po_id": po_id, "error": error}
        key = f"{proposal_key(po_id)}:email-delayed"
        uow.outbox.add(Notice(PO_EMAIL_DELAYED, setup.channel, facts, key), now)
        uow.commit()
