"""Settling an email that may have gone, over real HTTP: a stale click names the PO as the
person sees it, and Send again goes to the address that was in doubt. Signed clicks in; the
local Slack and a real SMTP server out, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from bot.console.local_slack import LocalSlack
from domain.model import Catalog, Product, Supplier
from handlers.ids import Action
from tests.e2e.conftest import RunningBot
from tests.e2e.test_po_states import acme, email_in_doubt, thread  # noqa: F401  # acme: fixture
from tests.e2e.test_purchase_orders import (  # noqa: F401  # inbox and shop are fixtures
    APPROVER,
    HYPERLINK,
    answer,
    buttons,
    click,
    deliver,
    eventually,
    inbox,
    shop,
)
from tests.support.smtp import Inbox


def test_a_stale_mark_sent_or_send_again_names_the_po_and_who_settled_it(
    acme: tuple[RunningBot, Inbox],  # noqa: F811
    local_slack: LocalSlack,
) -> None:
    bot, mail = acme
    shown = buttons(email_in_doubt(bot, local_slack, mail))
    click(bot, local_slack, Action.MARK_PO_SENT, shown[Action.MARK_PO_SENT], APPROVER, "mark")
    assert "Marked sent" in answer(local_slack, "mark")["text"]
    for action in (Action.MARK_PO_SENT, Action.SEND_PO_AGAIN):  # the same card, clicked late
        click(bot, local_slack, action, shown[action], APPROVER, f"late-{action}")
        refusal = answer(local_slack, f"late-{action}")["text"]
        assert refusal.startswith(
            "PO-0001 changed since you saw it: it is sent now (marked sent by <@U012ABCDEF>)."
        )
        assert "proposal" not in refusal and "nothing" in refusal
    assert len(mail.messages) == 1


def test_send_again_goes_to_the_address_in_doubt_and_says_the_catalog_now_names_another(
    acme: tuple[RunningBot, Inbox],  # noqa: F811
    local_slack: LocalSlack,
) -> None:
    bot, mail = acme
    value = buttons(email_in_doubt(bot, local_slack, mail))[Action.SEND_PO_AGAIN]
    bot.bot.backorders.import_catalog(
        Catalog(
            (Supplier("Acme", "new@acme.test", 5, 5),),
            (
                Product("CHAIN", "11-speed chain", "Acme", 0, 6, Decimal("18.90")),
                Product("LIGHT", HYPERLINK, "Acme", 0, 1, Decimal("14.30")),
            ),
        )
    )
    click(bot, local_slack, Action.SEND_PO_AGAIN, value, APPROVER, "again")
    assert "Sending PO-0001 to Acme again" in answer(local_slack, "again")["text"]
    second = mail.wait_for(2)[1]
    assert second["To"] == "orders@acme.test"  # where the first may have gone, not the new one
    eventually(lambda: bot.bot.backorders.open_pos()[0].status == "sent")
    deliver(bot)
    assert (
        "📧 Sent again to orders@acme.test by <@U012ABCDEF>. The catalog now says "
        "new@acme.test: check which is right." in thread(local_slack)
    )
