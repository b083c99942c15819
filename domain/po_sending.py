"""Approving a PO and sending it: its number, the workbook, the email (or a note to forward)."""

from __future__ import annotations

from datetime import datetime

from domain.errors import DomainError
from domain.notifications import (
    PO_EMAIL_DELAYED,
    PO_EMAIL_NOT_SENT,
    PO_EMAIL_UNCERTAIN,
    PO_FORWARD_BY_HAND,
    PO_MARKED_SENT,
    PO_SENT_AGAIN,
    PO_TO_SUPPLIER,
    PO_WORKBOOK,
    SUPPLIERS,
    Notice,
    proposal_key,
)
from domain.po_events import PoEvent
from domain.ports import UnitOfWork
from domain.purchase_order import Actor, PurchaseOrder, Stale
from domain.purchase_orders import (
    PoChanged,
    PurchasingSetup,
    decided,
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
    """The email may have gone without its sending being recorded: the PO's card asks a person
    to check with the supplier (a second email could make them ship twice), then to mark it
    sent or send it again."""
    po = uow.purchasing.load(po_id)
    if po is None or not po.sending_uncertain(to, handed_at, now):
        return  # sent meanwhile, or already in doubt for this try
    facts = {"po_id": po_id, "to": to, "at": handed_at.isoformat()}
    key = f"{proposal_key(po_id)}:email-uncertain:{po.version}"
    uow.outbox.add(Notice(PO_EMAIL_UNCERTAIN, setup.channel, facts, key), now)
    publish(uow, po, now, setup)


def mark_sent_by_hand(
    uow: UnitOfWork, po_id: int, version: int, actor: Actor, now: datetime, setup: PurchasingSetup
) -> PurchaseOrderView:
    """A person checked: the supplier has it. Sent, and nothing goes again."""

    def mark(po: PurchaseOrder) -> list[PoEvent]:
        events = po.mark_sent_by_hand(actor, version, now)
        facts = {"po_id": po_id, "by": actor.user}
        uow.outbox.add(Notice(PO_MARKED_SENT, setup.channel, facts), now)
        return events

    return decided(uow, po_id, now, setup, mark)


def send_again(
    uow: UnitOfWork, po_id: int, version: int, actor: Actor, now: datetime, setup: PurchasingSetup
) -> PurchaseOrderView:
    """A person checked: it did not arrive. It goes once more, under a key of its own, to the
    address it may have reached (the audit's); the team hears if the catalog now says another."""

    def again(po: PurchaseOrder) -> list[PoEvent]:
        to = po.in_doubt.to if po.in_doubt else None
        events = po.send_again(actor, version, now)
        if not (to and setup.email_enabled):
            raise DomainError("Email is not set up: forward the file by hand, then Mark sent.")
        key = f"{proposal_key(po_id)}:email:again:{po.sent_again}"
        uow.outbox.add(Notice(PO_TO_SUPPLIER, SUPPLIERS, {"po_id": po_id, "to": to}, key), now)
        facts = {"po_id": po_id, "by": actor.user, "to": to}
        if po.supplier.email != to:
            facts["catalog"] = po.supplier.email  # changed since: a person says which is right
        uow.outbox.add(Notice(PO_SENT_AGAIN, setup.channel, facts), now)
        return events

    return decided(uow, po_id, now, setup, again)


def email_delayed(
    uow: UnitOfWork, po_id: int, error: str, now: datetime, setup: PurchasingSetup
) -> None:
    """The team hears, once, that the email is late and will be retried."""
    with uow:
        facts = {"po_id": po_id, "error": error}
        key = f"{proposal_key(po_id)}:email-delayed"
        uow.outbox.add(Notice(PO_EMAIL_DELAYED, setup.channel, facts, key), now)
        uow.commit()


def email_not_sent(
    uow: UnitOfWork, po_id: int, to: str, state: str, now: datetime, setup: PurchasingSetup
) -> None:
    """The team hears, once per PO and address, that its email was dropped: the goods came (or
    it was closed) before it could go, and a late email would have the supplier ship again."""
    with uow:
        facts = {"po_id": po_id, "to": to, "state": state}
        key = f"{proposal_key(po_id)}:email-not-sent:{to}"
        uow.outbox.add(Notice(PO_EMAIL_NOT_SENT, setup.channel, facts, key), now)
        uow.commit()
