"""What Slack says about the bot's settings, asked once at start on a background thread:
does it accept SLACK_BOT_TOKEN, and which channel ID `slack.channel` in app.yaml names.

Nothing here blocks start-up or the webhooks; a problem is said in one log line and in /healthz.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.slack_delivery import NotReady

log = logging.getLogger(__name__)

CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")
APPS_URL = "https://api.slack.com/apps"
CHECKING, OK = "checking", "ok"
NOT_FOUND, NOT_MEMBER = "not found", "bot not in channel"
WAITING = (NOT_FOUND, NOT_MEMBER)  # states an admin fixes in Slack, without restarting the bot
CHANNEL_SCOPES = "channels:read, groups:read"
MAX_RETRY_S = 300.0
RECHECK_S = 60.0  # a channel the bot is not in (yet): looked at again, so an invite is enough
PAGE = 200


def refusal(error: SlackApiError) -> str | None:
    """Slack's error code when it refused for good; None when it may work later (429, 5xx)."""
    status = error.response.status_code
    if status == 429 or status >= 500:
        return None
    data = error.response.data
    return str(data.get("error") or "error") if isinstance(data, dict) else f"HTTP {status}"


class SlackCheck:
    """The token and the home channel: checked in the background, shown in /healthz."""

    def __init__(self, client: WebClient, channel: str, retry_s: float = 5.0) -> None:
        self.client = client
        self.configured = channel
        self.channel_id: str | None = channel if CHANNEL_ID.fullmatch(channel) else None
        self.token = CHECKING
        self.channel = CHECKING
        self.retry_s = retry_s
        self._stop = threading.Event()
        self._wake = threading.Event()

    @property
    def shown(self) -> str:
        """The channel as people write it: `#purchasing` (or its ID when configured so)."""
        return self.configured if self.channel_id == self.configured else self._name()

    def _name(self) -> str:
        return "#" + self.configured.lstrip("#").lower()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="slack-check", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def recheck_now(self) -> None:
        """Look at the channel again without waiting for the next minute (after an invite)."""
        self._wake.set()

    def run(self) -> None:
        """auth.test, then the channel, again each minute until the bot can post there."""
        if not self._patiently(self._check_token, "token"):
            return
        while self._patiently(self._check_channel, "channel") and self.channel in WAITING:
            self._wake.wait(RECHECK_S)
            self._wake.clear()
            if self._stop.is_set():
                return

    def ready(self, channel: str) -> bool:
        """May a message to `channel` go now? The configured one waits for its ID."""
        return channel != self.configured or self.channel_id is not None

    def channel_for(self, channel: str) -> str:
        """The ID to post to: the configured channel's resolved ID, any other as it is."""
        if channel != self.configured:
            return channel
        if self.channel_id is None:
            raise NotReady(f"the ID of Slack channel {self.shown} is not known yet")
        return self.channel_id

    @property
    def degraded(self) -> bool:
        return self.token not in (OK, CHECKING) or self.channel not in (OK, CHECKING)

    def health(self) -> dict[str, Any]:
        """What /healthz shows about Slack."""
        return {
            "slack": self.token,
            "slack_channel": {
                "configured": self.configured,
                "id": self.channel_id,
                "state": self.channel,
            },
        }

    def _patiently(self, step: Callable[[], bool], status: str) -> bool:
        delay = self.retry_s
        while not self._stop.is_set():
            try:
                return step()
            except Exception as error:  # timeouts, connection errors, 429, 5xx: Slack is away
                setattr(self, status, f"unreachable (retrying): {type(error).__name__}")
                log.warning("Slack could not be reached (%s); retrying in %.0f s", error, delay)
            self._stop.wait(delay)
            delay = min(delay * 2, MAX_RETRY_S)
        return False

    def _check_token(self) -> bool:
        try:
            self.client.auth_test()
        except SlackApiError as error:
            code = refusal(error)
            if code is None:
                raise
            self.token = f"token rejected: {code}"
            self.channel = "not checked: the token was rejected"
            log.error(
                "Slack rejected SLACK_BOT_TOKEN (%s): create a new token at %s (your app → "
                "OAuth & Permissions → Reinstall to Workspace), set SLACK_BOT_TOKEN and restart",
                code,
                APPS_URL,
            )
            return False
        self.token = OK
        return True

    def _check_channel(self) -> bool:
        try:
            found = self._by_id() if self.channel_id else self._by_name()
        except SlackApiError as error:
            code = refusal(error)
            if code is None:
                raise
            self._cannot_look(code)
            return True
        if found is None:
            self._not_found()
        else:
            self._found(found)
        return True

    def _by_id(self) -> dict[str, Any] | None:
        try:
            return dict(self.client.conversations_info(channel=self.configured)["channel"])
        except SlackApiError as error:
            if refusal(error) == "channel_not_found":
                return None
            raise

    def _by_name(self) -> dict[str, Any] | None:
        wanted = self.configured.lstrip("#").lower()
        cursor: str | None = None
        while True:
            page = self.client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=PAGE,
                cursor=cursor,
            )
            for channel in page.get("channels") or []:
                if channel.get("name") == wanted:
                    return dict(channel)
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return None

    def _found(self, channel: dict[str, Any]) -> None:
        self.channel_id = str(channel["id"])
        name = f"#{channel.get('name') or self.configured.lstrip('#')}"
        if channel.get("is_member"):
            self.channel = OK
            log.info("Slack channel %s is %s; the bot posts there", name, self.channel_id)
            return
        if self.channel == NOT_MEMBER:
            return  # said already; looked at again each minute
        self.channel = NOT_MEMBER
        log.error(
            "The bot is not in Slack channel %s (%s): invite the bot: /invite @Backorder Bot "
            "in %s; its messages wait until then",
            name,
            self.channel_id,
            name,
        )

    def _not_found(self) -> None:
        if self.channel == NOT_FOUND:
            return  # said already; looked at again each minute
        self.channel = NOT_FOUND
        log.error(
            "Slack channel %s (slack.channel in app.yaml) was not found: a private channel "
            "shows only once the bot is in it (/invite @Backorder Bot there; the bot looks "
            "again each minute); otherwise create it, or fix slack.channel and restart; "
            "messages to the channel wait until then",
            self.shown,
        )

    def _cannot_look(self, code: str) -> None:
        self.channel = f"cannot check: {code}"
        hint = "" if self.channel_id else "; or set slack.channel to the channel's ID (C...)"
        log.error(
            "Slack would not show channel %s (%s): give the app the scopes %s (see "
            "manifest.yaml), reinstall it and restart%s",
            self.shown,
            code,
            CHANNEL_SCOPES,
            hint,
        )
