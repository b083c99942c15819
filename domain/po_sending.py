"""Approving a PO and sending it: its number, the workbook, the email (or a note to forward)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.notifications import EMAIL, SLACK_FILE, SLACK_POST, Outbound
from domain.ports import UnitOfWork
from domain.purchase_order import Actor, PurchaseOrder, Stale
from domain.purchase_orders import (
    PoChanged,
    PurchasingSetup,
    loaded,
    message_key,
    note,
    publish,
    served_by,
)
from domain.purchasing import PurchaseOrderView
from domain.wording import plural


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
        _send_out(uow, po, view, emailed, now, setup)

    return publish(uow, po, now, setup, send)


def _send_out(
    uow: UnitOfWork,
    po: PurchaseOrder,
    view: PurchaseOrderView,
    emailed: bool,
    now: datetime,
    setup: PurchasingSetup,
) -> None:
    """The workbook in the proposal's thread, and the email or a note to forward it."""
    key = message_key(po.po_id)
    uow.outbox.add(Outbound(SLACK_FILE, setup.channel, _file(view), f"{key}:file"), now)
    if emailed:
        uow.outbox.add(Outbound(EMAIL, "email", _email(view), f"{key}:email"), now)
    elif po.supplier.email:
        why = f"Email is not set up (SMTP_URL): forward the file above to {po.supplier.email}."
        note(uow, po.po_id, why, now, setup)
    else:
        why = f"{po.supplier.name} has no email address in the catalog: forward the file above."
        note(uow, po.po_id, why, now, setup)


def _file(po: PurchaseOrderView) -> dict[str, Any]:
    return {
        "builder": f"po:{po.po_id}",
        "filename": f"{po.number}.xlsx",
        "thread_of": message_key(po.po_id),
        "title": f"{po.number} — {po.supplier}",
        "initial_comment": f"📎 {po.number} for {po.supplier}, {plural(po.units, 'unit')}.",
    }


def _email(po: PurchaseOrderView) -> dict[str, Any]:
    lines = "\n".join(f"- {line.sku} {line.name}: {line.quantity}" for line in po.lines)
    body = (
        f"Hello {po.supplier},\n\nPlease find attached purchase order {po.number} "
        f"({plural(po.units, 'unit')}).\n\n{lines}\n\nThank you.\n"
    )
    return {
        "po_id": po.po_id,
        "to": po.supplier_email,
        "subject": f"Purchase order {po.number}",
        "body": body,
        "attachment": f"po:{po.po_id}",
        "message_key": f"{po.number}.po{po.po_id}",
    }


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
    text = (
        f"⚠️ The email to {to} may have gone at {handed_at:%Y-%m-%d %H:%M} UTC: check with the "
        "supplier; forward the file above if it did not arrive. It will not be sent again."
    )
    payload = setup.present.note(text) | {"thread_of": message_key(po_id)}
    uow.outbox.add(Outbound(SLACK_POST, setup.channel, payload, f"po:{po_id}:email-uncertain"), now)


def email_delayed(
    uow: UnitOfWork, po_id: int, error: str, now: datetime, setup: PurchasingSetup
) -> None:
    """The thread hears, once, that the email is late and will be retried."""
    with uow:
        text = f"⏳ The email could not be sent yet ({error}); it will be retried."
        payload = setup.present.note(text) | {"thread_of": message_key(po_id)}
        key = f"po:{po_id}:email-delayed"
        uow.outbox.add(Outbound(SLACK_POST, setup.channel, payload, key), now)
        uow.commit()
