"""The Receive form as Slack submits it, on both databases: it starts at zero, receives only
what was typed or "everything arrived", and the PO's history keeps each receipt."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import parse_config
from bot.facade import Backorders
from domain.model import Catalog, Product, Supplier
from domain.purchase_orders import Actor
from domain.purchasing import PurchaseOrderView
from domain.receiving import AlreadyReceived
from handlers.blocks.receiving import (
    everything_arrived,
    parse_receive_submission,
    receipt_note,
    receive_modal,
)
from storage.db import Database
from storage.models import PoEventRow
from tests.support.builders import delivery, order

T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BOSS = Actor("U1", True)
SKUS = ("BK-TUBE-700", "BK-PADS-DISC", "BK-CHAIN-11")


@pytest.fixture
def desk(database: Database) -> Backorders:
    """A sent PO for Velo Parts: 3 tubes, 2 pads, 4 chains, each waited for by order 1001."""
    desk = Backorders(database, lambda: T, parse_config({"slack": {"channel": "C0PURCHASE"}}))
    products = tuple(Product(sku, sku, "Velo Parts Ltd", 0, 1, Decimal("5")) for sku in SKUS)
    desk.import_catalog(Catalog((Supplier("Velo Parts Ltd", None, 5, 0),), products))
    desk.ingest(delivery(order("1001", (SKUS[0], 3), (SKUS[1], 2), (SKUS[2], 4), placed=T)))
    proposal = desk.raise_po("Velo Parts Ltd", "U1")
    desk.approve_po(proposal.po_id, proposal.version, BOSS)  # no email: sent at once
    return desk


def the_po(desk: Backorders) -> PurchaseOrderView:
    [po] = desk.open_pos()
    return po


def submitted(modal: dict[str, Any], typed: dict[str, str], ticks: set[str]) -> dict[str, Any]:
    """The modal's state as Slack sends it: every input's value (typed, else as the form
    showed it), and the boxes ticked (by block id)."""
    values: dict[str, Any] = {}
    for block in modal["blocks"]:
        if block.get("type") != "input":
            continue
        element, sku = block["element"], block["label"]["text"].split(" ")[0]
        if element["type"] == "checkboxes":
            chosen = element["options"] if block["block_id"] in ticks else []
            values[block["block_id"]] = {element["action_id"]: {"selected_options": chosen}}
        else:
            value = typed.get(sku, typed.get(block["block_id"], element.get("initial_value")))
            values[block["block_id"]] = {element["action_id"]: {"value": value}}
    return {**modal, "state": {"values": values}}


def receive(desk: Backorders, typed: dict[str, str], ticks: set[str] = frozenset()) -> None:
    """Fill in the Receive form and submit it, as the listener does."""
    view = submitted(receive_modal(the_po(desk), "C0PURCHASE"), typed, set(ticks))
    quantities, close, errors = parse_receive_submission(view)
    assert not errors
    note = receipt_note(view)
    desk.receive_po(
        the_po(desk).po_id, quantities, close, BOSS, all_arrived=everything_arrived(view), note=note
    )


def received(desk: Backorders, po_id: int) -> dict[str, int]:
    view = desk.po(po_id)
    assert view is not None
    return {line.sku: line.received for line in view.lines}


def test_the_form_starts_at_zero_for_every_line(desk: Backorders) -> None:
    modal = receive_modal(the_po(desk), "C0PURCHASE")
    shown = [b["element"] for b in modal["blocks"] if b.get("block_id", "").startswith("line:")]
    assert [element["initial_value"] for element in shown] == ["0", "0", "0"]


def test_typing_one_sku_receives_only_that_sku(desk: Backorders) -> None:
    po_id = the_po(desk).po_id
    receive(desk, {"BK-PADS-DISC": "1"})
    assert received(desk, po_id) == {"BK-CHAIN-11": 0, "BK-PADS-DISC": 1, "BK-TUBE-700": 0}
    assert desk.order("1001")[0].waiting_units == 8  # 9 waited; one pad arrived


def test_everything_arrived_receives_every_outstanding_unit(desk: Backorders) -> None:
    po_id = the_po(desk).po_id
    receive(desk, {"BK-PADS-DISC": "1"})
    receive(desk, {}, {"all_arrived"})
    assert received(desk, po_id) == {"BK-CHAIN-11": 4, "BK-PADS-DISC": 2, "BK-TUBE-700": 3}
    assert desk.po(po_id).status == "received"  # type: ignore[union-attr]
    assert desk.order("1001")[0].waiting_units == 0


def test_a_form_sent_untouched_is_refused_in_the_form(desk: Backorders) -> None:
    view = submitted(receive_modal(the_po(desk), "C0PURCHASE"), {}, set())
    _, _, errors = parse_receive_submission(view)
    assert errors == {
        "all_arrived": "Nothing to receive: type what arrived, or tick “Everything arrived”."
    }


def test_each_receipt_is_in_the_po_audit_with_who_how_many_what_was_cancelled_and_the_note(
    database: Database, desk: Backorders
) -> None:
    po_id = the_po(desk).po_id
    receive(desk, {"BK-TUBE-700": "2", "note": "box 1 of 2"})
    receive(desk, {"BK-PADS-DISC": "2"}, {"close_rest"})
    with database.engine.connect() as conn:
        history = conn.execute(
            select(PoEventRow.action, PoEventRow.actor, PoEventRow.note)
            .where(PoEventRow.po_id == po_id, PoEventRow.action.in_(("received", "closed")))
            .order_by(PoEventRow.id)
        ).all()
    rest = "the rest was cancelled: 4 BK-CHAIN-11, 1 BK-TUBE-700"
    assert [tuple(row) for row in history] == [
        ("received", "U1", "2 BK-TUBE-700 arrived · box 1 of 2"),
        ("closed", "U1", f"2 BK-PADS-DISC arrived; {rest}"),
    ]


def test_the_same_submission_delivered_again_is_recorded_once_even_on_another_replica(
    desk: Backorders, database: Database
) -> None:
    po_id = the_po(desk).po_id
    form = {"BK-PADS-DISC": 1}
    line = next(line for line in the_po(desk).lines if line.sku == "BK-PADS-DISC")
    desk.receive_po(po_id, {line.line_id: 1}, False, BOSS, submission="V123:hash1")
    replica = Backorders(database, lambda: T, parse_config({"slack": {"channel": "C0PURCHASE"}}))
    with pytest.raises(AlreadyReceived):
        replica.receive_po(po_id, {line.line_id: 1}, False, BOSS, submission="V123:hash1")
    assert received(desk, po_id)["BK-PADS-DISC"] == form["BK-PADS-DISC"]
    desk.receive_po(po_id, {line.line_id: 1}, False, BOSS, submission="V123:hash2")
    assert received(desk, po_id)["BK-PADS-DISC"] == 2  # a new submission is a new receipt
