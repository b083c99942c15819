"""`/backorders supplier` with an open proposal a person adjusted: the proposal as it stands,
and apart from it only the demand not on it. Signed Slack requests in, local Slack out."""

from __future__ import annotations

import json

from bot.console.local_slack import LocalSlack
from handlers.ids import Action
from tests.e2e.conftest import RunningBot
from tests.e2e.test_people_win import (  # noqa: F401  # velo and inbox are fixtures
    VELO,
    Clock,
    adjust,
    inbox,
    raise_velo,
    velo,
)
from tests.e2e.test_purchase_orders import APPROVER, answer, buttons, click, deliver, eventually
from tests.support.slack import post_to_slack_events, slash_command


def supplier_read(bot: RunningBot, slack: LocalSlack, name: str) -> str:
    body = slash_command(f"supplier {VELO}", slack.response_url(name))
    assert post_to_slack_events(bot.url, body).status == 200
    return json.dumps(answer(slack, name)["blocks"])


def test_an_adjusted_proposal_is_shown_as_it_stands_and_only_what_is_not_on_it_waits_beyond(
    velo: tuple[RunningBot, Clock],  # noqa: F811
    local_slack: LocalSlack,
) -> None:
    bot, _ = velo
    message = raise_velo(bot, local_slack)
    adjust(bot, local_slack, message, **{"BK-PADS-DISC": "0", "note": "not needed yet"})
    eventually(lambda: bot.bot.backorders.open_pos()[0].version == 2)
    shown = supplier_read(bot, local_slack, "supplier")
    assert "Draft PO" not in shown and "order 30 units" not in shown  # the tubes counted twice
    assert "Proposed at the weekly deadline" not in shown
    assert "Open proposal" in shown and "version 2" in shown
    assert "BK-TUBE-700" in shown and "24 units" in shown
    assert "Adjusted by <@U012ABCDEF>" in shown and "not needed yet" in shown
    assert "3 units waiting beyond the proposal: `BK-PADS-DISC` 3" in shown
    assert shown.count("BK-TUBE-700") == 1  # once, on the proposal


def test_with_the_proposal_approved_and_sent_nothing_is_left_to_order(
    velo: tuple[RunningBot, Clock],  # noqa: F811
    local_slack: LocalSlack,
) -> None:
    bot, _ = velo
    message = raise_velo(bot, local_slack)
    click(bot, local_slack, Action.APPROVE_PO, buttons(message)[Action.APPROVE_PO], APPROVER, "ok")
    assert "Approved: PO-0001" in answer(local_slack, "ok")["text"]
    deliver(bot)
    eventually(lambda: bot.bot.backorders.open_pos()[0].status == "sent")
    shown = supplier_read(bot, local_slack, "sent")
    assert "Nothing to order: the POs in flight cover every waiting unit." in shown
    assert "Open proposal" not in shown and "beyond the proposal" not in shown
