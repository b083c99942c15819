"""The weekly deadline: however few orders came in, every buffer goes out once a week."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.errors import DomainError
from domain.notifications import SLACK_POST, Outbound
from domain.po_sending import approve_locked
from domain.ports import UnitOfWork
from domain.purchase_orders import BOT, PurchasingSetup, propose
from domain.purchasing import PoStatus, PurchaseOrderView

AUTO = "bot (on_deadline: auto_approve)"


def run_deadline(
    uow: UnitOfWork, period: str, now: datetime, setup: PurchasingSetup, auto_approve: bool
) -> list[str]:
    """Every supplier with waiting lines (or a held or open proposal) gets its proposal.

    Keyed per supplier and period, so a second run in the same week, or a second process,
    changes nothing. With `auto_approve` each proposal is approved and sent as the bot.
    """
    done: list[str] = []
    with uow:
        demand, served = uow.purchasing.all_demand(), uow.purchasing.served()
        for buffer in uow.purchasing.buffers():
            sid = buffer.terms.supplier_id
            if buffer.uncovered <= 0 and buffer.open_status is None:
                continue
            if not uow.periods.claim(f"deadline:{period}:supplier:{sid}", now):
                continue
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
                continue  # nothing left to order: the claim still says this week is done
            if auto_approve and view.status == PoStatus.PROPOSED:
                view = approve_locked(uow, view.po_id, AUTO, now, setup, note="on_deadline")
            done.append(f"{buffer.terms.name}: {view.status}")
        uow.commit()
    return done


def remind_deadline(
    uow: UnitOfWork,
    period: str,
    deadline_at: datetime,
    now: datetime,
    channel: str,
    render: Callable[[datetime, list[tuple[str, int]], list[PurchaseOrderView]], dict[str, Any]],
) -> bool:
    """Before the deadline: what will be proposed, and proposals still awaiting approval."""
    with uow:
        if not uow.periods.claim(f"reminder:{period}", now):
            return False
        buffers = uow.purchasing.buffers()
        due = [
            (b.terms.name, b.uncovered) for b in buffers if b.uncovered > 0 and not b.open_status
        ]
        waiting = [po for po in uow.purchasing.open_views() if po.status in WAITING]
        payload = render(deadline_at, due, waiting)
        uow.outbox.add(Outbound(SLACK_POST, channel, payload, f"reminder:{period}"), now)
        uow.commit()
    return True


WAITING = (PoStatus.PROPOSED, PoStatus.HELD)
