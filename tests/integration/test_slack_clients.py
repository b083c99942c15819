"""Two Slack clients: the listeners' retries a rate-limited call once (a person is waiting);
the outbox worker's never retries by itself (the outbox does, paced, and knows what a failed
post means). Both against the loopback Slack, which answers 429 when told to."""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import Mock

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.console.local_slack import Fault, LocalSlack
from bot.web.slack_app import build_slack_app, delivery_client

POST = "chat.postMessage"


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as server:
        yield server


def listeners_client(slack: LocalSlack) -> WebClient:
    app = build_slack_app(Mock(), Mock(), "xoxb-test", "secret", api_url=slack.api_url)
    return app.client


def test_a_listeners_post_that_slack_rate_limits_once_goes_through_on_the_retry(
    slack: LocalSlack,
) -> None:
    slack.fail_next(POST, Fault.rate_limited(retry_after=0))
    answer = listeners_client(slack).chat_postMessage(channel="C0PURCHASE", text="PO-0001")
    assert answer["ok"] is True
    assert [call.fault for call in slack.calls(POST)] == ["rate_limited", None]
    [message] = slack.messages("C0PURCHASE")
    assert message.params["text"] == "PO-0001"


def test_a_listener_retries_a_rate_limit_only_once(slack: LocalSlack) -> None:
    slack.fail_next(POST, Fault.rate_limited(retry_after=0), Fault.rate_limited(retry_after=0))
    with pytest.raises(SlackApiError) as refused:
        listeners_client(slack).chat_postMessage(channel="C0PURCHASE", text="PO-0001")
    assert refused.value.response.status_code == 429
    assert len(slack.calls(POST)) == 2
    assert slack.messages("C0PURCHASE") == []


def test_the_delivery_client_makes_one_call_and_hands_the_rate_limit_to_the_outbox(
    slack: LocalSlack,
) -> None:
    slack.fail_next(POST, Fault.rate_limited(retry_after=0))
    client = delivery_client("xoxb-test", slack.api_url, timeout_s=5)
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C0PURCHASE", text="PO-0001")
    assert refused.value.response.status_code == 429
    assert refused.value.response.headers.get("Retry-After") == "0"
    assert [call.fault for call in slack.calls(POST)] == ["rate_limited"]
    assert slack.messages("C0PURCHASE") == []
