"""Purchase order use cases: propose, refresh, approve, adjust, hold, mark sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from domain.errors import DomainError, NotFound
from domain.notifications import EMAIL, SLACK_FILE, SLACK_POST, SLACK_UPDATE, Outbound
from domain.po_rules import (
    DemandLine,
    SupplierTerms,
    adjusted_quantity,
    draft_lines,
    due_at_minimum,
)
from domain.ports import UnitOfWork
from domain.purchasing import PoDecision, PoLine, PoStatus, PurchaseOrderView
from domain.services import unknown_supplier
from domain.wording import plural

BOT = "bot"


class PoPresenter(Protocol):
    """How POs look in Slack; the bot supplies it (Block Kit lives outside the domain)."""

    def proposal(self, po: PurchaseOrderView) -> dict[str, Any]: ...

    def note(self, text: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class PurchasingSetup:
    channel: str
    po_prefix: str
    email_enabled: bool
    present: PoPresenter


@dataclass(frozen=True)
class Actor:
    user: str
    is_approver: bool


class NotAllowed(DomainError):
    """Only approvers may approve, adjust or hold."""


class PoChanged(DomainError):
    """The click was on an older version of the proposal, or it was already decided."""

    def __init__(self, message: str, po: PurchaseOrderView) -> None:
        super().__init__(message)
        self.po = po


def message_key(po_id: int) -> str:
    return f"po:{po_id}"


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
    """A proposal for the buffer, or the open one brought up to date.

    The deadline passes what it read for every supplier at once (`demand`, `served`: orders
    waiting and the oldest), so a new proposal costs a few inserts and no further reads.
    """
    existing = None if served is not None else uow.purchasing.open_proposal(terms.supplier_id)
    if existing is not None:
        return refresh(uow, existing.id, now, setup, release_hold=trigger != "minimum")
    if demand is None:
        demand = uow.purchasing.demand(terms.supplier_id)
    lines = draft_lines(demand, {})
    if not any(line.quantity for _, line in lines):
        raise DomainError(f"Nothing is waiting for {terms.name}: there is nothing to order.")
    po_id = uow.purchasing.create_proposal(terms.supplier_id, trigger, now, period_key)
    if po_id is None:  # another replica proposed at the same moment: use theirs
        return refresh(uow, uow.purchasing.open_proposal(terms.supplier_id).id, now, setup)
    uow.purchasing.replace_lines(po_id, [(pid, line, False) for pid, line in lines], new=True)
    uow.purchasing.record(po_id, "raised", actor, now, note=trigger)
    if served is None:
        view = uow.purchasing.view(po_id)
    else:
        view = _new_view(po_id, terms, [line for _, line in lines], served, trigger, actor, now)
    uow.outbox.add(
        Outbound(SLACK_POST, setup.channel, setup.present.proposal(view), message_key(po_id)), now
    )
    return view


def _new_view(
    po_id: int,
    terms: SupplierTerms,
    lines: list[PoLine],
    served: tuple[int, datetime | None],
    trigger: str,
    actor: str,
    now: datetime,
) -> PurchaseOrderView:
    """A just-created proposal as people will see it, without reading it back."""
    return PurchaseOrderView(
        po_id=po_id,
        version=1,
        status=PoStatus.PROPOSED,
        supplier=terms.name,
        supplier_email=terms.email,
        lead_time_days=terms.lead_time_days,
        number=None,
        lines=tuple(lines),
        orders_served=served[0],
        oldest_placed_at=served[1],
        trigger=trigger,
        proposed_at=now,
        decisions=(PoDecision("raised", actor, now, trigger),),
    )


def refresh(
    uow: UnitOfWork, po_id: int, now: datetime, setup: PurchasingSetup, release_hold: bool = False
) -> PurchaseOrderView:
    """Lines that arrived (or left) since the proposal join it; its message is updated."""
    po = uow.purchasing.lock(po_id)
    current = {row.product_id: row for row in uow.purchasing.lines(po_id)}
    adjusted = {pid: row.quantity for pid, row in current.items() if row.adjusted}
    lines = draft_lines(uow.purchasing.demand(po.supplier_id), adjusted)
    unchanged = {pid: (line.demand, line.quantity) for pid, line in lines} == {
        pid: (row.demand, row.quantity) for pid, row in current.items()
    }
    if unchanged and not (release_hold and po.status == PoStatus.HELD):
        return uow.purchasing.view(po_id)
    uow.purchasing.replace_lines(po_id, [(pid, ln, pid in adjusted) for pid, ln in lines])
    values: dict[str, Any] = {"version": po.version + 1}
    if release_hold:
        values |= {"status": PoStatus.PROPOSED.value, "hold_until": None}
    uow.purchasing.update(po_id, **values)
    uow.purchasing.record(po_id, "updated", BOT, now)
    return show(uow, po_id, now, setup)


def check_buffers(uow: UnitOfWork, now: datetime, setup: PurchasingSetup) -> list[str]:
    """Open proposals follow their buffers; a buffer at its minimum is proposed early."""
    done = []
    with uow:
        for buffer in uow.purchasing.buffers():
            if buffer.open_status == PoStatus.PROPOSED and buffer.open_po_id is not None:
                before = uow.purchasing.view(buffer.open_po_id)
                after = refresh(uow, buffer.open_po_id, now, setup)
                if after.version != before.version:
                    done.append(f"updated {buffer.terms.name}")
            elif due_at_minimum(buffer):
                propose(uow, buffer.terms, "minimum", BOT, now, setup)
                done.append(f"proposed {buffer.terms.name}")
        uow.commit()
    return done


def _decidable(uow: UnitOfWork, po_id: int, version: int, actor: Actor, what: str) -> Any:
    if not actor.is_approver:
        raise NotAllowed(f"Only approvers can {what} purchase orders.")
    po = uow.purchasing.lock(po_id)
    if po is None:
        raise NotFound("That purchase order no longer exists.")
    view = uow.purchasing.view(po_id)
    if po.status != PoStatus.PROPOSED:
        raise PoChanged(f"This purchase order is already {po.status}; nothing was changed.", view)
    if po.version != version:
        raise PoChanged("This proposal changed since you saw it; nothing was changed.", view)
    return po


def approve_po(
    uow: UnitOfWork, po_id: int, version: int, actor: Actor, now: datetime, setup: PurchasingSetup
) -> PurchaseOrderView:
    """Approve exactly once: a number, a workbook, an email (or a note to forward it)."""
    with uow:
        _decidable(uow, po_id, version, actor, "approve")
        view = approve_locked(uow, po_id, actor.user, now, setup)
        uow.commit()
    return view


def approve_locked(
    uow: UnitOfWork,
    po_id: int,
    user: str,
    now: datetime,
    setup: PurchasingSetup,
    note: str | None = None,
) -> PurchaseOrderView:
    """Number, audit, workbook and email for a proposal already locked and checked."""
    number = uow.purchasing.next_number(setup.po_prefix)
    uow.purchasing.update(
        po_id, status=PoStatus.APPROVED.value, number=number, approved_at=now, approved_by=user
    )
    uow.purchasing.record(po_id, "approved", user, now, after={"number": number}, note=note)
    _send(uow, uow.purchasing.view(po_id), now, setup)
    return show(uow, po_id, now, setup)


def _send(uow: UnitOfWork, po: PurchaseOrderView, now: datetime, setup: PurchasingSetup) -> None:
    """The workbook in the proposal's thread, and the email (both through the outbox)."""
    key = message_key(po.po_id)
    file = {
        "builder": f"po:{po.po_id}",
        "filename": f"{po.number}.xlsx",
        "thread_of": key,
        "title": f"{po.number} — {po.supplier}",
        "initial_comment": f"📎 {po.number} for {po.supplier}, {plural(po.units, 'unit')}.",
    }
    uow.outbox.add(Outbound(SLACK_FILE, setup.channel, file, f"{key}:file"), now)
    if po.supplier_email and setup.email_enabled:
        uow.outbox.add(Outbound(EMAIL, "email", _email(po), f"{key}:email"), now)
        return
    if po.supplier_email:
        why = f"Email is not set up (SMTP_URL): forward the file above to {po.supplier_email}."
    else:
        why = f"{po.supplier} has no email address in the catalog: forward the file above."
    note(uow, po.po_id, why, now, setup)
    _mark_sent(uow, po, now)


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


def _mark_sent(uow: UnitOfWork, po: PurchaseOrderView, now: datetime) -> None:
    expected = now + timedelta(days=po.lead_time_days)
    uow.purchasing.update(po.po_id, status=PoStatus.SENT.value, sent_at=now, expected_at=expected)
    uow.purchasing.record(po.po_id, "sent", BOT, now, after={"expected_at": expected})


def po_emailed(uow: UnitOfWork, po_id: int, to: str, now: datetime, setup: PurchasingSetup) -> None:
    """The supplier has the PO: it is sent, and the arrival is expected after the lead time."""
    with uow:
        po = uow.purchasing.lock(po_id)
        if po is None or po.status != PoStatus.APPROVED:
            return  # already marked: a repeated delivery changes nothing
        view = uow.purchasing.view(po_id)
        _mark_sent(uow, view, now)
        note(uow, po_id, f"📧 Emailed to {to}.", now, setup)
        show(uow, po_id, now, setup)
        uow.commit()


def email_delayed(
    uow: UnitOfWork, po_id: int, error: str, now: datetime, setup: PurchasingSetup
) -> None:
    """The thread hears, once, that the email is late and will be retried."""
    with uow:
        text = f"⏳ The email could not be sent yet ({error}); it will be retried."
        uow.outbox.add(
            Outbound(
                SLACK_POST,
                setup.channel,
                setup.present.note(text) | {"thread_of": message_key(po_id)},
                f"po:{po_id}:email-delayed",
            ),
            now,
        )
        uow.commit()


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
    with uow:
        po = _decidable(uow, po_id, version, actor, "adjust")
        rows = uow.purchasing.lines(po_id)
        before = {row.sku: row.quantity for row in rows}
        kept = []
        for row in rows:
            entered = quantities.get(row.id)
            quantity = (
                row.quantity if entered is None else adjusted_quantity(entered, row.case_pack)
            )
            line = PoLine(row.sku, row.name, row.demand, quantity, row.case_pack, row.unit_cost)
            if quantity > 0:  # 0 drops the line: its demand waits for the next cycle
                kept.append((row.product_id, line, row.adjusted or entered is not None))
        after = {line.sku: line.quantity for _, line, _ in kept}
        uow.purchasing.replace_lines(po_id, kept)
        uow.purchasing.update(po_id, version=po.version + 1, note=note or None)
        uow.purchasing.record(po_id, "adjusted", actor.user, now, before, after, note)
        view = show(uow, po_id, now, setup)
        uow.commit()
    return view


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
    with uow:
        po = _decidable(uow, po_id, version, actor, "hold")
        uow.purchasing.update(
            po_id, status=PoStatus.HELD.value, hold_until=until, version=po.version + 1
        )
        uow.purchasing.record(po_id, "held", actor.user, now, after={"until": until})
        view = show(uow, po_id, now, setup)
        uow.commit()
    return view


def show(uow: UnitOfWork, po_id: int, now: datetime, setup: PurchasingSetup) -> PurchaseOrderView:
    """Update the proposal's message to the PO as it now stands."""
    view = uow.purchasing.view(po_id)
    payload = setup.present.proposal(view) | {"update_of": message_key(po_id)}
    uow.outbox.add(Outbound(SLACK_UPDATE, setup.channel, payload), now)
    return view


def note(uow: UnitOfWork, po_id: int, text: str, now: datetime, setup: PurchasingSetup) -> None:
    payload = setup.present.note(text) | {"thread_of": message_key(po_id)}
    uow.outbox.add(Outbound(SLACK_POST, setup.channel, payload), now)


def open_pos(uow: UnitOfWork) -> list[PurchaseOrderView]:
    """Every PO not yet received: proposals, held buffers, approved and sent."""
    with uow:
        return uow.purchasing.open_views()
