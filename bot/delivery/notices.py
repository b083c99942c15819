"""The one registry of notices: for each kind, how it is worded and by which way it goes,
decided when it is sent, from the database as it is then.

The domain records what happened (a kind and the ids it concerns); here a PO's proposal
becomes Block Kit, its workbook a file in the proposal's thread, its sending a letter to the
supplier. Rows queued by older versions (pre-rendered, `slack.post` and the like) go through
`bot.delivery.legacy`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.config import AppConfig
from bot.delivery import legacy
from bot.delivery.email_delivery import po_letter
from bot.delivery.journey_notices import customer_cancelled
from bot.delivery.rendered import Post, Rendered, Update, Upload
from bot.delivery.report_notices import ReportNotices
from bot.delivery.slack_delivery import NotReady
from domain import notifications as n
from domain.purchasing import PurchaseOrderView
from domain.wording import plural
from handlers.blocks.po_times import stamp, zone
from handlers.blocks.purchasing import po_thread_note, proposal_message
from handlers.blocks.receiving import with_receive_button
from storage.db import Database
from storage.outbox import QueuedMessage
from storage.po_workbook import po_workbook
from storage.unit_of_work import SqlUnitOfWork

LETTERS = frozenset({n.PO_TO_SUPPLIER, legacy.EMAIL})  # notices that go by email


class Notices(ReportNotices):
    """Renders a queued notice (or a legacy row) into what Slack or the mail server takes."""

    def __init__(
        self, database: Database, clock: Callable[[], datetime], config: AppConfig
    ) -> None:
        super().__init__(database, clock, config)
        self.kinds: dict[str, Callable[[dict[str, Any]], Rendered]] = {
            n.PO_PROPOSED: lambda f: self._proposal(f, reply=False),
            n.PO_CHANGED: lambda f: self._proposal(f, reply=True),
            n.PO_NOTE: lambda f: self._note(f, f["text"]),
            n.PO_FORWARD_BY_HAND: lambda f: self._note(f, _forward_text(f)),
            n.PO_EMAIL_UNCERTAIN: lambda f: self._note(f, self._uncertain_text(f)),
            n.PO_EMAIL_DELAYED: lambda f: self._note(f, _delayed_text(f)),
            n.PO_EMAIL_NOT_SENT: lambda f: self._note(f, self._not_sent_text(f)),
            n.PO_MARKED_SENT: lambda f: self._note(f, "📤 Marked sent", f["by"]),
            n.PO_SENT_AGAIN: self._sent_again,
            n.PO_WORKBOOK: self._workbook,
            n.PO_TO_SUPPLIER: self._letter,
            n.ORDERS_READY: lambda f: _note(f["text"]),
            n.ORDERS_CUSTOMER_CANCELLED: customer_cancelled,
            n.DEADLINE_REMINDER: self.reminder,
            n.DIGEST_POSTED: self.digest,
            n.DIGEST_WORKBOOK: self.digest_file,
            n.EXPORT_WORKBOOK: self.export_file,
        }

    def is_letter(self, message: QueuedMessage) -> bool:
        return message.kind in LETTERS

    def render(self, message: QueuedMessage) -> Rendered:
        """What `message` says now, and where it goes."""
        if message.kind == n.BACKORDERS_SUMMARY:  # a due one takes the queue as it is sent
            return self.summary(message)
        render = self.kinds.get(message.kind)
        if render is None:
            return legacy.render(message, self)
        return render(message.payload)

    def po(self, po_id: int) -> PurchaseOrderView:
        """The PO as it stands now."""
        with SqlUnitOfWork(self.database, read_only=True) as uow:
            view = uow.purchasing.view(po_id)
        if view is None:
            raise NotReady(f"purchase order {po_id} does not exist", never=True)
        return view

    def po_workbook(self, po_id: int) -> tuple[str, bytes]:
        """The PO's workbook (file name, content), built from the PO as it stands."""
        view = self.po(po_id)
        content = po_workbook(view, view.approved_at or self.clock(), self.zone)
        return f"{view.number or 'proposal'}.xlsx", content

    def _proposal(self, facts: dict[str, Any], reply: bool) -> Post | Update:
        view = self.po(int(facts["po_id"]))
        message = proposal_message(view, self.clock(), self.deadline_text, self.zone)
        shown = with_receive_button(message, view)
        if reply:
            return Update(n.proposal_key(view.po_id), shown.text, shown.blocks)
        return Post(shown.text, shown.blocks)

    def _note(self, facts: dict[str, Any], text: str, by: str | None = None) -> Post:
        return _note(text, n.proposal_key(int(facts["po_id"])), by)

    def _sent_again(self, facts: dict[str, Any]) -> Post:
        """Where it went again, and the catalog's other address when it changed since."""
        key, to = n.proposal_key(int(facts["po_id"])), facts["to"]
        then = ""
        if "catalog" in facts:
            now = f"says {facts['catalog']}" if facts["catalog"] else "has no address"
            then = f"The catalog now {now}: check which is right."
        return _note(f"📧 Sent again to {to}", key, facts["by"], then)

    def _not_sent_text(self, facts: dict[str, Any]) -> str:
        number = self.po(int(facts["po_id"])).number
        state = {"sent": "marked sent"}.get(facts["state"], facts["state"])
        return (
            f"📧 The email to {facts['to']} was not sent: {number} was {state} before it went out."
        )

    def _uncertain_text(self, facts: dict[str, Any]) -> str:
        at = datetime.fromisoformat(facts["at"])
        return (
            f"⚠️ The email to {facts['to']} may have gone at {stamp(at, self.zone)} "
            f"{zone(self.zone)}: check with the supplier before sending again, then press "
            "*Mark sent* (they have it) or *Send again* (they do not) on the PO."
        )

    def _workbook(self, facts: dict[str, Any]) -> Upload:
        view = self.po(int(facts["po_id"]))
        filename, content = self.po_workbook(view.po_id)
        return Upload(
            content,
            filename,
            title=f"{view.number} — {view.supplier}",
            comment=f"📎 {view.number} for {view.supplier}, {plural(view.units, 'unit')}.",
            reply_to=n.proposal_key(view.po_id),
        )

    def _letter(self, facts: dict[str, Any]) -> Rendered:
        po_id = int(facts["po_id"])
        return po_letter(self.po(po_id), str(facts["to"]), self.po_workbook(po_id))


def _note(text: str, reply_to: str | None = None, by: str | None = None, then: str = "") -> Post:
    shown = po_thread_note(text, by, then)
    return Post(shown.text, shown.blocks, reply_to)


def _forward_text(facts: dict[str, Any]) -> str:
    if facts.get("to"):
        return f"Email is not set up (SMTP_URL): forward the file above to {facts['to']}."
    return f"{facts['supplier']} has no email address in the catalog: forward the file above."


def _delayed_text(facts: dict[str, Any]) -> str:
    return f"⏳ The email could not be sent yet ({facts['error']}); it will be retried."
