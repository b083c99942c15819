"""Action, callback and block IDs shared by the Block Kit builders and the listeners."""

from __future__ import annotations

import enum


class Action(enum.StrEnum):
    SHARE_REPLY = "share_reply"
    APPROVE_PO = "approve_po"
    ADJUST_PO = "adjust_po"
    HOLD_PO = "hold_po"
    TAKE_IN_PO = "take_in_po"  # take in demand that arrived since a person's adjustment
    RECEIVE_PO = "receive_po"
    MARK_PO_SENT = "mark_po_sent"  # the email may have gone: the supplier has it
    SEND_PO_AGAIN = "send_po_again"  # the email may have gone: it did not arrive
    CLOSE_REST = "close_rest"
    ALL_ARRIVED = "all_arrived"  # the Receive form's "everything arrived" box
    QUANTITY = "quantity"  # a line's input in the adjust modal
    NOTE = "note"  # the note input in the adjust modal


class Callback(enum.StrEnum):
    ADJUST_PO = "adjust_po"
    RECEIVE_PO = "receive_po"
    MARK_PO_SENT = "mark_po_sent"  # the email may have gone: the supplier has it
    SEND_PO_AGAIN = "send_po_again"  # the email may have gone: it did not arrive


class BlockId(enum.StrEnum):
    PO_ACTIONS = "po_actions"
    RECEIVE_ACTIONS = "receive_actions"
    DOUBT_ACTIONS = "sending_doubt_actions"
    CLOSE_REST = "close_rest"
    ALL_ARRIVED = "all_arrived"
    NOTE = "note"


COMMAND = "/backorders"
