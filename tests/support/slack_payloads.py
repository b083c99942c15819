"""Bodies for calling Bolt listeners directly: Slack's own fixture payloads (tests/fixtures/slack)
with only the fields a listener reads changed, and the mocks Bolt would inject."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any
from unittest.mock import Mock

from slack_bolt.context.ack import Ack
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from handlers.approvers import Approvers
from handlers.blocks.message import Message
from handlers.blocks.text import to_text
from tests.support.fake_desk import FakeDesk

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"
BOSS, CLERK = "U0BOSS", "U0CLERK"  # an approver, and someone who is not


@cache
def _fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def click(action_id: str, value: str, user: str = BOSS) -> dict[str, Any]:
    """A `block_actions` body: `user` pressed the button `action_id` carrying `value`."""
    body = copy.deepcopy(_fixture("block_actions"))
    body["user"]["id"] = user
    body["channel"] = {"id": "C0PURCHASE", "name": "purchasing"}
    body["actions"][0].update(action_id=action_id, value=value)
    return body


def submission(
    callback_id: str, modal: dict[str, Any], values: dict[str, dict[str, Any]], user: str = BOSS
) -> dict[str, Any]:
    """A `view_submission` body of the modal the bot opened, with what was typed in it."""
    body = copy.deepcopy(_fixture("view_submission"))
    body["user"]["id"] = user
    body["view"].update(
        callback_id=callback_id,
        blocks=modal["blocks"],
        private_metadata=modal["private_metadata"],
        state={"values": values},
    )
    return body


def typed(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def command(text: str, user: str = BOSS) -> dict[str, Any]:
    """A slash command body: `/backorders <text>` from `user`."""
    body = copy.deepcopy(_fixture("slash_command")["parsed"])
    body.update(command="/backorders", text=text, user_id=user)
    return body


def context(desk: FakeDesk) -> dict[str, Any]:
    """What the bot's middleware puts in a listener's context."""
    return {"desk": desk, "approvers": Approvers(frozenset({BOSS}), None)}


def mocks() -> tuple[Mock, Mock, Mock]:
    """ack, respond and a Slack client, each refusing what the real one does not have."""
    return Mock(spec=Ack), Mock(spec=Respond), Mock(spec=WebClient)


def replied(respond: Mock) -> str:
    """The one reply `respond` was given, as the user reads it; it must be private."""
    respond.assert_called_once()
    kwargs = respond.call_args.kwargs
    assert kwargs["response_type"] == "ephemeral" and kwargs["replace_original"] is False
    return to_text(Message(kwargs["text"], kwargs.get("blocks") or []))
