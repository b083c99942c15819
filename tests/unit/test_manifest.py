"""manifest.yaml: what a Slack admin pastes, checked against what the bot's code relies on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from handlers.ids import COMMAND

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "manifest.yaml"
ONE_URL = "/slack/events"
Manifest = dict[str, Any]

# The bot scope each Web API method the code calls needs (Slack's method reference pages).
# `say(...)` in a Bolt listener is chat.postMessage; `respond(...)` posts to a response_url,
# which needs no scope.
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth_test": frozenset(),
    "chat_postMessage": frozenset({"chat:write"}),
    "chat_update": frozenset({"chat:write"}),
    "chat_postEphemeral": frozenset({"chat:write"}),
    # The bot looks up `slack.channel` in public and private channels alike: both scopes.
    "conversations_list": frozenset({"channels:read", "groups:read"}),
    "conversations_info": frozenset({"channels:read", "groups:read"}),
    # Read before a retry of a post whose answer was lost, in public and private channels.
    "conversations_history": frozenset({"channels:history", "groups:history"}),
    "conversations_replies": frozenset({"channels:history", "groups:history"}),
    "files_upload_v2": frozenset({"files:write"}),
    "files_getUploadURLExternal": frozenset({"files:write"}),
    "files_completeUploadExternal": frozenset({"files:write"}),
    "usergroups_users_list": frozenset({"usergroups:read"}),
    "views_open": frozenset(),
    "views_update": frozenset(),
    "views_push": frozenset(),
}
EVENT_SCOPES = {"app_mention": "app_mentions:read"}

# What the bot needs: the slash command, posting and updating, files v2, the approvers'
# user group, mentions, and finding `slack.channel` (a #name or an ID) at start. Least
# privilege: nothing else may be requested. Widening this set (chat:write.public, ...)
# needs a reason written in manifest.yaml.
REQUIRED_SCOPES = frozenset(
    {
        "commands",
        "chat:write",
        "files:write",
        "usergroups:read",
        "app_mentions:read",
        "channels:read",
        "groups:read",
        "channels:history",
        "groups:history",
    }
)
ALLOWED_SCOPES = REQUIRED_SCOPES

WEB_API_CALL = re.compile(
    r"\.((?:admin|apps|auth|bookmarks|bots|calls|chat|conversations|dnd|emoji|files|pins|"
    r"reactions|reminders|search|team|usergroups|users|views)_[A-Za-z0-9_]+)\("
)
EVENT_LISTENER = re.compile(r"\.event\(\s*[\"']([a-z_.]+)[\"']")
# The local Slack stand-in implements methods rather than calling them.
NOT_CALLERS = re.compile(r"local_slack")


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def bot_scopes(manifest: Manifest) -> set[str]:
    return set(manifest["oauth_config"]["scopes"]["bot"])


def source_files() -> list[Path]:
    return [
        path
        for layer in ("bot", "handlers", "domain", "storage")
        for path in sorted((ROOT / layer).rglob("*.py"))
        if not NOT_CALLERS.search(path.name)
    ]


def web_api_methods_called() -> dict[str, set[str]]:
    """Each `client.<method>(` the code makes, and the files that make it."""
    calls: dict[str, set[str]] = {}
    for path in source_files():
        for method in WEB_API_CALL.findall(path.read_text(encoding="utf-8")):
            calls.setdefault(method, set()).add(str(path.relative_to(ROOT)))
    return calls


def events_listened_to() -> set[str]:
    return {
        event
        for path in source_files()
        for event in EVENT_LISTENER.findall(path.read_text(encoding="utf-8"))
    }


def test_the_slash_command_is_backorders_at_the_one_request_url(manifest: Manifest) -> None:
    commands = manifest["features"]["slash_commands"]
    assert [command["command"] for command in commands] == [COMMAND]
    assert commands[0]["url"].startswith("https://")
    assert commands[0]["url"].endswith(ONE_URL)


def test_the_slash_command_tells_people_what_to_type(manifest: Manifest) -> None:
    command = manifest["features"]["slash_commands"][0]
    assert isinstance(command["usage_hint"], str)  # quoted: a bare [ ... ] is a YAML list
    for word in ("help", "status", "sku", "order", "supplier", "export"):
        assert word in command["usage_hint"]
    assert command["description"].strip()


def test_events_and_interactivity_go_to_the_same_url_as_the_command(manifest: Manifest) -> None:
    settings = manifest["settings"]
    command_url = manifest["features"]["slash_commands"][0]["url"]
    assert settings["event_subscriptions"]["request_url"] == command_url
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"] == command_url
    assert command_url.endswith(ONE_URL)


def test_http_mode_is_the_default_and_socket_mode_is_one_line_away(manifest: Manifest) -> None:
    assert manifest["settings"]["socket_mode_enabled"] is False
    text = MANIFEST.read_text(encoding="utf-8")
    assert "socket_mode_enabled: true" in text
    assert "connections:write" in text


def test_the_bot_has_no_token_rotation_it_could_not_follow(manifest: Manifest) -> None:
    assert manifest["settings"]["token_rotation_enabled"] is False


def test_the_bot_user_is_backorder_bot_and_always_online(manifest: Manifest) -> None:
    bot_user = manifest["features"]["bot_user"]
    assert bot_user["display_name"] == "Backorder Bot"
    assert bot_user["always_online"] is True
    assert manifest["display_information"]["name"] == "Backorder Bot"
    assert len(manifest["display_information"]["description"]) <= 140


def test_app_mention_is_a_bot_event(manifest: Manifest) -> None:
    assert "app_mention" in manifest["settings"]["event_subscriptions"]["bot_events"]


def test_every_event_the_code_listens_to_is_subscribed_and_none_other(manifest: Manifest) -> None:
    subscribed = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert subscribed == events_listened_to()


def test_the_scopes_include_everything_the_bot_needs(manifest: Manifest) -> None:
    assert REQUIRED_SCOPES - bot_scopes(manifest) == set()


def test_no_scope_is_requested_beyond_the_allowed_set(manifest: Manifest) -> None:
    assert bot_scopes(manifest) - ALLOWED_SCOPES == set()
    assert "user" not in manifest["oauth_config"]["scopes"]


def test_every_subscribed_event_has_its_scope(manifest: Manifest) -> None:
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        assert EVENT_SCOPES[event] in bot_scopes(manifest)


def test_every_web_api_method_the_code_calls_is_covered_by_a_scope(manifest: Manifest) -> None:
    calls = web_api_methods_called()
    assert calls, "the scan found no Web API calls: has the client been renamed?"
    unknown = {method: files for method, files in calls.items() if method not in METHOD_SCOPES}
    assert unknown == {}, "add these methods and their scopes to METHOD_SCOPES and manifest.yaml"
    missing = {
        method: sorted(METHOD_SCOPES[method] - bot_scopes(manifest))
        for method in calls
        if METHOD_SCOPES[method] - bot_scopes(manifest)
    }
    assert missing == {}
