"""The weekly deadline: however few orders came in, every buffer goes out once a week."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import DomainError
from domain.notifications import DEADLINE_REMINDER, Notice
from domain.po_rules import BufferState, DemandLine
from domain.po_sending import approve_locked
from domain.ports import UnitOfWork
from domain.purchase_orders import BOT, PurchasingSetup, propose
from domain.purchasing import PoStatus, PurchaseOrderView

AUTO = "bot (on_deadline: auto_approve)"


@dataclass(frozen=True)
class SupplierFailure:
    """A supplier whose deadline failed in this run; the next run tries it again."""

    supplier: str
    error: Exception


@dataclass
class DeadlineRun:
    """What a run did: one line per supplier it touched, and each failure with its error."""

    done: list[str] = field(default_factory=list)
    failures: list[SupplierFailure] = field(default_factory=list)


def run_deadline(
    uow: UnitOfWork, period: str, now: datetime, setup: PurchasingSetup, auto_approve: bool
) -> DeadlineRun:
    """Every supplier with waiting lines (or a held or open proposal) gets its proposal.

    Keyed per supplier and period, so a second run in the same week, or a second process,
    changes nothing. With `auto_approve` each proposal is approved and sent as the bot.
    Each supplier is its own transaction: one that fails is reported, with its error for
    whoever keeps the log, and retried by the next run; the others still go out.
    """
    with uow:
        demand, served = uow.purchasing.all_demand(), uow.purchasing.served()
        buffers = [b for b in uow.purchasing.buffers() if b.uncovered > 0 or b.open_status]
    run = DeadlineRun()
    for buffer in buffers:
        try:
            outcome = _supplier_deadline(
                uow, buffer, period, now, setup, auto_approve, demand, served
            )
        except Exception as error:  # one supplier's failure must not hold up the others
            run.failures.append(SupplierFailure(buffer.terms.name, error))
            run.done.append(f"{buffer.terms.name}: failed ({type(error).__name__})")
            continue
        if outcome is not None:
            run.done.append(outcome)
    return run


def _supplier_deadline(
    uow: UnitOfWork,
    buffer: BufferState,
    period: str,
    now: datetime,
    setup: PurchasingSetup,
    auto_approve: bool,
    demand: dict[int, list[DemandLine]],
    served: dict[int, tuple[int, datetime | None]],
) -> str | None:
    """Claim this week for one supplier, propose (and maybe approve) and commit, or nothing."""
    sid = buffer.terms.supplier_id
    with uow:
        if not uow.periods.claim(f"deadline:{period}:supplier:{sid}", now):
            return None
        try:
            known = served.get(sid, (0, None)) if buffer.open_po_id is None else None
            view = propose(
                uow,
                buffer.terms,
                "deadline",
                BOT,
                now,
                setup,
                demand=demand.get(sid, []),
                served=known,
            )
        except DomainError:
            uow.commit()  # nothing left to order: the claim still says this week is done
            return None
        if auto_approve and view.status == PoStatus.PROPOSED:
            view = approve_locked(uow, view.po_id, AUTO, now, setup, note="on_deadline")
        uow.commit()
    return f"{buffer.terms.name}: {view.status}"


def remind_deadline(
    uow: UnitOfWork, period: str, deadline_at: datetime, now: datetime, channel: str
) -> bool:
    """Before the deadline, once: what will be proposed, and proposals awaiting approval."""
    with uow:
        if not uow.periods.claim(f"reminder:{period}", now):
            return False
        facts = {"deadline_at": deadline_at.isoformat()}
        uow.outbox.add(Notice(DEADLINE_REMINDER, channel, facts, f"reminder:{period}"), now)
        uow.commit()
    return True


def reminder_facts(
    uow: UnitOfWork,
) -> tuple[list[tuple[str, int]], list[PurchaseOrderView]]:
    """What the reminder tells: buffers the deadline will propose (supplier, units), and
    proposals still awaiting approval."""
    buffers = uow.purchasing.buffers()
    due = [(b.terms.name, b.uncovered) for b in buffers if b.uncovered > 0 and not b.open_status]
    waiting = [po for po in uow.purchasing.open_views() if po.status in WAITING]
    return due, waiting


WAITING = (PoStatus.PROPOSED, PoStatus.HELD)
