"""A PO whose goods arrive before its email could go (the mail server was down, the team
phoned the order in): the supplier is not emailed it late, over real HTTP and SMTP."""

from __future__ import annotations

from typing import Any

from bot.console.local_slack import LocalSlack
from bot.delivery.rendered import Letter
from handlers.ids import Action, BlockId
from tests.e2e.conftest import RunningBot
from tests.e2e.test_po_states import acme, approved, card, receive, text, thread  # noqa: F401
from tests.e2e.test_purchase_orders import (  # noqa: F401  # inbox, shop: the fixtures
    buttons,
    deliver,
    eventually,
    inbox,
    shop,
)
from tests.support.smtp import Inbox

THREE = {"line": {Action.QUANTITY: {"type": "plain_text_input", "value": "3"}}}
CLOSE_REST = {BlockId.CLOSE_REST: {Action.CLOSE_REST: {"selected_options": [{"value": "x"}]}}}


def mail_server_down(bot: RunningBot) -> list[bool]:
    """The mail server refuses connections until the returned flag is cleared."""
    deliveries: Any = bot.bot.deliveries  # suppliers' emails, behind customers' and the stores'
    assert deliveries is not None
    send, down = deliveries.email, [True]

    def email(letter: Letter) -> dict[str, Any]:
        if down[0]:
            raise ConnectionRefusedError("the mail server is down")
        return send(letter)

    deliveries.email = email
    return down


def test_a_po_closed_before_its_email_went_is_not_emailed_when_the_server_is_back(
    acme: tuple[RunningBot, Inbox],  # noqa: F811
    local_slack: LocalSlack,
) -> None:
    bot, mail = acme
    down = mail_server_down(bot)
    approved(bot, local_slack)
    eventually(lambda: Action.RECEIVE_PO in buttons(card(local_slack)))
    receive(bot, local_slack, THREE | CLOSE_REST, "V0SHORT")
    eventually(lambda: not bot.bot.backorders.open_pos())
    down[0] = False
    deliver(bot)
    assert mail.messages == []  # the supplier would ship the 6 chains again
    assert "Closed: 3 units never came" in text(card(local_slack))
    said = "📧 The email to orders@acme.test was not sent: PO-0001 was closed before it went out."
    assert thread(local_slack).count(said) == 2  # once, in the text and in its block
