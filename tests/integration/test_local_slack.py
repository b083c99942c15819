"""The local Slack Web API server, driven by slack_sdk's real clients over HTTP."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.console.local_slack import Fault, LocalSlack
from bot.console.slack_signing import interactive_body, signed_headers, slash_command_body

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"
BLOCKS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*PO-0001* for Acme: 12 units"}},
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "text": {"type": "plain_text", "text": "Approve"},
            }
        ],
    },
]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk sends even loopback requests through HTTP(S)_PROXY: it ignores NO_PROXY.
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as server:
        yield server


@pytest.fixture
def client(slack: LocalSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.api_url)


def test_a_posted_message_is_read_back_with_its_blocks_as_a_list(
    slack: LocalSlack, client: WebClient
) -> None:
    answer = client.chat_postMessage(channel="C0PURCHASE", text="PO-0001 ready", blocks=BLOCKS)

    [message] = slack.messages("C0PURCHASE")
    assert message.params["blocks"] == BLOCKS
    assert message.params["text"] == "PO-0001 ready"
    assert message.token == "xoxb-test"
    assert answer["channel"] == "C0PURCHASE"
    assert answer["message"]["blocks"] == BLOCKS
    assert slack.messages("C0OTHER") == []


def test_each_message_gets_a_later_ts_than_the_one_before(client: WebClient) -> None:
    before = time.time()
    first = client.chat_postMessage(channel="C1", text="one")["ts"]
    second = client.chat_postMessage(channel="C1", text="two")["ts"]

    assert re.fullmatch(r"\d{10}\.\d{6}", first)  # Slack's form: the post's Unix time
    assert before - 1 < float(first) < float(second)


def test_history_reads_back_posts_newest_first_with_their_metadata_as_slack_answers(
    slack: LocalSlack, client: WebClient
) -> None:
    tagged = {"event_type": "backorder_outbox_message", "event_payload": {"outbox_id": 7}}
    first = client.chat_postMessage(channel="C0PURCHASE", text="one")["ts"]
    second = client.chat_postMessage(channel="C0PURCHASE", text="two", metadata=tagged)["ts"]
    client.chat_postMessage(channel="C0PURCHASE", text="in the thread", thread_ts=second)

    history = client.conversations_history(
        channel="C0PURCHASE", oldest=first, include_all_metadata=True, limit=10
    )
    bare = client.conversations_history(channel="C0PURCHASE", limit=1)
    thread = client.conversations_replies(channel="C0PURCHASE", ts=second)

    assert [(m["text"], m.get("metadata")) for m in history["messages"]] == [("two", tagged)]
    assert history["has_more"] is False
    assert [m["text"] for m in bare["messages"]] == ["two"]  # a reply is not in the channel
    assert "metadata" not in bare["messages"][0]  # only with include_all_metadata
    assert bare["has_more"] is True and bare["response_metadata"]["next_cursor"]
    assert [m["text"] for m in thread["messages"]] == ["two", "in the thread"]


def test_history_without_its_scope_is_refused_as_slack_refuses_it(
    slack: LocalSlack, client: WebClient
) -> None:
    slack.withhold_scope("channels:history")

    with pytest.raises(SlackApiError) as failure:
        client.conversations_history(channel="C0PURCHASE")

    assert failure.value.response["error"] == "missing_scope"
    assert failure.value.response["needed"] == "channels:history"


def test_form_encoded_blocks_are_decoded_into_lists(slack: LocalSlack, client: WebClient) -> None:
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps(BLOCKS)})

    assert slack.messages()[0].params["blocks"] == BLOCKS


def test_a_posted_message_can_be_updated_and_the_update_is_recorded(
    slack: LocalSlack, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel="C1", text="PO-0001 proposed")["ts"]

    answer = client.chat_update(channel="C1", ts=ts, text="PO-0001 approved", blocks=BLOCKS)

    assert (answer["channel"], answer["ts"], answer["text"]) == ("C1", ts, "PO-0001 approved")
    [update] = slack.calls("chat.update")
    assert update.params["blocks"] == BLOCKS


def test_updating_a_message_that_was_never_posted_is_refused(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as failure:
        client.chat_update(channel="C1", ts="1600000000.000001", text="lost")

    assert failure.value.response["error"] == "message_not_found"


def test_files_upload_v2_stores_the_exact_bytes_with_title_channel_and_thread(
    slack: LocalSlack, client: WebClient
) -> None:
    content = b"PK\x03\x04\x00\xff\r\n--not-a-boundary--\r\n" + bytes(range(256))

    answer = client.files_upload_v2(
        content=content,
        filename="PO-0001.xlsx",
        title="PO-0001 for Acme",
        channel="C0PURCHASE",
        thread_ts="1700000000.000100",
        initial_comment="Purchase order attached",
    )

    [upload] = slack.uploads.values()
    assert upload.content == content
    assert (upload.filename, upload.title) == ("PO-0001.xlsx", "PO-0001 for Acme")
    assert (upload.channel_id, upload.thread_ts) == ("C0PURCHASE", "1700000000.000100")
    assert upload.initial_comment == "Purchase order attached"
    assert answer["file"]["id"] == upload.file_id
    [complete] = slack.calls("files.completeUploadExternal")
    assert complete.params["files"][0]["id"] == upload.file_id


def test_a_multipart_upload_is_stored_as_the_file_bytes(
    slack: LocalSlack, client: WebClient
) -> None:
    url = client.files_getUploadURLExternal(filename="po.xlsx", length=4)["upload_url"]
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="filename"\r\n\r\npo.xlsx\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="po.xlsx"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    body = head.encode() + b"\x00\r\n\xff" + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}

    urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=5)

    assert [u.content for u in slack.uploads.values()] == [b"\x00\r\n\xff"]


def test_usergroup_members_are_the_ones_set(slack: LocalSlack, client: WebClient) -> None:
    slack.set_usergroup("S0APPROVERS", ["U012ABCDEF", "U0ANOTHER"])

    members = client.usergroups_users_list(usergroup="S0APPROVERS")["users"]

    assert members == ["U012ABCDEF", "U0ANOTHER"]
    assert client.usergroups_users_list(usergroup="S0UNKNOWN")["users"] == []


def test_a_scripted_rate_limit_surfaces_as_slack_api_error_with_retry_after(
    slack: LocalSlack, client: WebClient
) -> None:
    slack.fail_next("chat.postMessage", Fault.rate_limited(retry_after=7))

    with pytest.raises(SlackApiError) as failure:
        client.chat_postMessage(channel="C1", text="hello")

    assert failure.value.response.status_code == 429
    assert failure.value.response.headers["Retry-After"] == "7"
    assert failure.value.response["error"] == "ratelimited"
    assert slack.messages() == []
    assert [c.fault for c in slack.calls()] == ["rate_limited"]


def test_a_scripted_server_error_surfaces_as_slack_api_error_with_its_status(
    slack: LocalSlack, client: WebClient
) -> None:
    slack.fail_next("*", Fault.server_error())

    with pytest.raises(SlackApiError) as failure:
        client.chat_postMessage(channel="C1", text="hello")

    assert failure.value.response.status_code == 500
    assert slack.messages() == []


def test_a_reply_slower_than_the_client_timeout_raises_and_posts_nothing(
    slack: LocalSlack,
) -> None:
    impatient = WebClient(token="xoxb-test", base_url=slack.api_url, timeout=0.5)  # type: ignore[arg-type]
    slack.fail_next("chat.postMessage", Fault.timeout(1.0))

    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="C1", text="hello")

    assert slack.messages() == []
    [call] = slack.calls("chat.postMessage")
    assert call.timed_out and call.params["text"] == "hello"


def test_faults_are_used_one_per_call_then_calls_succeed(
    slack: LocalSlack, client: WebClient
) -> None:
    slack.fail_next("chat.postMessage", Fault.error("channel_not_found"))

    with pytest.raises(SlackApiError) as failure:
        client.chat_postMessage(channel="C1", text="first")
    client.chat_postMessage(channel="C1", text="second")

    assert failure.value.response["error"] == "channel_not_found"
    assert [m.params["text"] for m in slack.messages()] == ["second"]
    assert [c.params["text"] for c in slack.calls()] == ["first", "second"]


def test_a_call_without_a_token_is_not_authed(slack: LocalSlack) -> None:
    with pytest.raises(SlackApiError) as failure:
        WebClient(base_url=slack.api_url).chat_postMessage(channel="C1", text="hello")

    assert failure.value.response["error"] == "not_authed"
    assert slack.messages() == []


def test_an_unknown_method_answers_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as failure:
        client.api_call("chat.fly")

    assert failure.value.response.status_code == 200
    assert failure.value.response["error"] == "unknown_method"


def test_auth_test_names_the_bot(client: WebClient) -> None:
    answer = client.auth_test()

    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == ("T111", "U0BOT", "B0BOT")


def test_an_opened_modal_comes_back_with_an_id(slack: LocalSlack, client: WebClient) -> None:
    view = {
        "type": "modal",
        "callback_id": "adjust_po",
        "title": {"type": "plain_text", "text": "Adjust"},
        "blocks": [],
    }

    opened = client.views_open(trigger_id="123.456", view=view)["view"]
    updated = client.views_update(view_id=opened["id"], view=view)["view"]

    assert opened["id"].startswith("V") and updated["id"] == opened["id"]
    assert slack.calls("views.open")[0].params["view"]["callback_id"] == "adjust_po"


def test_respond_posts_reach_the_named_response_url(slack: LocalSlack) -> None:
    WebhookClient(slack.response_url("status")).send(text="3 backorders", response_type="ephemeral")

    [response] = slack.responses("status")
    assert response.params == {"text": "3 backorders", "response_type": "ephemeral"}
    assert slack.responses("other") == []


def test_wait_for_returns_once_a_call_arrives_from_another_thread(
    slack: LocalSlack, client: WebClient
) -> None:
    poster = threading.Timer(0.05, lambda: client.chat_postMessage(channel="C1", text="late"))
    poster.start()

    calls = slack.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls), 5)

    poster.join()
    assert calls[-1].params["text"] == "late"


def test_wait_for_gives_up_naming_the_calls_it_saw(slack: LocalSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="something else")

    with pytest.raises(TimeoutError, match=r"chat\.postMessage .*something else"):
        slack.wait_for(lambda calls: len(calls) > 1, timeout=0.05)


def test_clear_forgets_what_was_recorded(slack: LocalSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="before")["ts"]

    slack.clear()
    client.chat_update(channel="C1", ts=ts, text="after")

    assert [c.method for c in slack.calls()] == ["chat.update"]


def test_only_loopback_addresses_are_bound() -> None:
    with pytest.raises(ValueError, match="loopback"):
        LocalSlack(host="0.0.0.0")


def test_signed_headers_verify_with_slacks_own_verifier() -> None:
    body = slash_command_body(
        "/backorders", "status", user_id="U1", channel_id="C1", response_url="http://x/r"
    )
    now = int(time.time())

    headers = signed_headers("signing-secret", body, timestamp=now)

    verifier = SignatureVerifier("signing-secret")
    assert headers["X-Slack-Request-Timestamp"] == str(now)
    assert verifier.is_valid(body, str(now), headers["X-Slack-Signature"])
    assert not SignatureVerifier("other-secret").is_valid_request(body, headers)


def test_a_slash_command_body_has_the_fields_slack_sends() -> None:
    fixture = json.loads((FIXTURES / "slash_command.json").read_text())
    body = slash_command_body(
        "/backorders",
        "sku AB-1 & more",
        user_id="U1",
        channel_id="C1",
        response_url="http://127.0.0.1:9/responses/default",
    )

    fields = {key: values[0] for key, values in parse_qs(body).items()}

    expected = set(fixture["parsed"]) - {"enterprise_id", "enterprise_name"}
    assert set(fields) == expected
    assert fields["text"] == "sku AB-1 & more"
    assert fields["response_url"] == "http://127.0.0.1:9/responses/default"


def test_an_interactive_body_carries_the_payload_as_url_encoded_json() -> None:
    payload = json.loads((FIXTURES / "block_actions.json").read_text())

    body = interactive_body(payload)

    assert json.loads(parse_qs(body)["payload"][0]) == payload
