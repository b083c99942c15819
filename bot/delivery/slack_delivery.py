"""Turns a queued outbox message into the Slack Web API call it stands for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from domain.notifications import SLACK_FILE, SLACK_POST, SLACK_UPDATE
from storage.outbox import OutboxStore, QueuedMessage


class NotReady(Exception):
    """The message refers to one not yet sent (a thread parent, the message to update)."""

    def __init__(self, message: str, never: bool = False) -> None:
        super().__init__(message)
        self.never = never  # the referred message was set aside: this one never can be sent


class SlackDelivery:
    """Sends posts, updates and files; returns what later messages may refer to."""

    def __init__(
        self,
        client: WebClient,
        store: OutboxStore,
        files: Callable[[str], bytes],
        channel_id: Callable[[str], str] = str,
    ) -> None:
        self.client = client
        self.store = store
        self.files = files
        self.channel_id = channel_id  # the configured channel (maybe a #name) to its ID

    def __call__(self, message: QueuedMessage) -> dict[str, Any]:
        send = {SLACK_POST: self._post, SLACK_UPDATE: self._update, SLACK_FILE: self._file}
        return send[message.kind](self.channel_id(message.channel), message.payload)

    def _sent(self, key: str) -> dict[str, Any]:
        result = self.store.result_of(key)
        if result is None:
            dead = self.store.is_dead(key)
            raise NotReady(
                f"message {key!r} {'was set aside' if dead else 'is not sent yet'}", dead
            )
        return result

    def _thread(self, payload: dict[str, Any]) -> str | None:
        key = payload.get("thread_of")
        return str(self._sent(key)["ts"]) if key else None

    def _post(self, channel: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = self.client.chat_postMessage(
            channel=channel,
            text=payload["text"],
            blocks=payload.get("blocks") or None,
            thread_ts=self._thread(payload),
            unfurl_links=False,
        )
        return {"channel": response["channel"], "ts": response["ts"]}

    def _update(self, channel: str, payload: dict[str, Any]) -> dict[str, Any]:
        target = self._sent(payload["update_of"])
        response = self.client.chat_update(
            channel=target["channel"],
            ts=target["ts"],
            text=payload["text"],
            blocks=payload.get("blocks") or [],
        )
        return {"channel": response["channel"], "ts": response["ts"]}

    def _file(self, channel: str, payload: dict[str, Any]) -> dict[str, Any]:
        content = self.files(payload["builder"])
        response = self.client.files_upload_v2(
            channel=channel,
            content=content,
            filename=payload["filename"],
            title=payload.get("title"),
            initial_comment=payload.get("initial_comment"),
            thread_ts=self._thread(payload),
        )
        return {"channel": channel, "file_id": response["files"][0]["id"]}
