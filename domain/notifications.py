"""What the bot owes people: written with the change that caused it, worded and sent later.

The domain says what happened (a notice's kind) and what it concerns (ids and plain facts);
how it looks, and by which way it goes, is decided when it is sent, from the state then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Notice:
    """One thing to tell someone.

    `audience` orders and paces delivery (one notice at a time per audience, in order): the
    team's channel, the channel an export was asked in, or the suppliers. `facts` are plain
    JSON values. `key`, when given, makes writing it idempotent and names it for later
    notices (a change to the proposal posted under `po:<id>`, say).
    """

    kind: str
    audience: str
    facts: dict[str, Any] = field(default_factory=dict)
    key: str | None = None


SUPPLIERS = "suppliers"  # the audience of POs sent to suppliers

PO_PROPOSED = "po.proposed"  # a new proposal for the team: {po_id}
PO_CHANGED = "po.changed"  # the proposal now shows the PO as it stands: {po_id}
PO_NOTE = "po.note"  # a line in the PO's story: {po_id, text}
PO_WORKBOOK = "po.workbook"  # the approved PO's workbook for the team: {po_id}
PO_TO_SUPPLIER = "po.to_supplier"  # the PO to its supplier's address: {po_id, to}
PO_FORWARD_BY_HAND = "po.forward_by_hand"  # nobody can send it for us: {po_id, supplier, to}
PO_EMAIL_UNCERTAIN = "po.email_uncertain"  # it may have reached the supplier: {po_id, to, at}
PO_EMAIL_DELAYED = "po.email_delayed"  # it could not go yet, it will be retried: {po_id, error}
# the goods came (or it was closed) before its email could go: not sent {po_id, to, state}
PO_EMAIL_NOT_SENT = "po.email_not_sent"
PO_MARKED_SENT = "po.marked_sent"  # a person says the supplier has it: {po_id, by}
# a person has it go once more, to the address in doubt: {po_id, by, to[, catalog if other]}
PO_SENT_AGAIN = "po.sent_again"
ORDERS_READY = "orders.ready"  # orders that can ship: {orders, text}
# What started waiting: {} while due (one per channel, key `summary:<channel>`; the queue is
# taken when it is sent), {taken: [[order_id, line_ref, units], ...]} once taken, then
# {new_backorders, unplaced} as told
BACKORDERS_SUMMARY = "backorders.summary"
DEADLINE_REMINDER = "deadline.reminder"  # before the deadline: {deadline_at}
DIGEST_POSTED = "digest.posted"  # the week's digest: {start, end, slips}
DIGEST_WORKBOOK = "digest.workbook"  # its detail, with the digest: {start, end, digest}
EXPORT_WORKBOOK = "export.workbook"  # open backorders as asked: {requested_by, at}
# A customer cancelled what waits from their journey page: {order_id, number, lines}
ORDERS_CUSTOMER_CANCELLED = "orders.customer_cancelled"

KINDS = frozenset(
    {
        PO_PROPOSED,
        PO_CHANGED,
        PO_NOTE,
        PO_WORKBOOK,
        PO_TO_SUPPLIER,
        PO_FORWARD_BY_HAND,
        PO_EMAIL_UNCERTAIN,
        PO_EMAIL_DELAYED,
        PO_EMAIL_NOT_SENT,
        PO_MARKED_SENT,
        PO_SENT_AGAIN,
        ORDERS_READY,
        BACKORDERS_SUMMARY,
        DEADLINE_REMINDER,
        DIGEST_POSTED,
        DIGEST_WORKBOOK,
        EXPORT_WORKBOOK,
        ORDERS_CUSTOMER_CANCELLED,
    }
)


def proposal_key(po_id: int) -> str:
    """The key of a PO's proposal notice: what later notices about the PO belong to."""
    return f"po:{po_id}"
