"""Turns a rendered notice into the Slack Web API call it stands for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.delivery.rendered import Post, Update, Upload
from storage.outbox import OutboxStore


class NotReady(Exception):
    """The notice refers to one not yet sent (a thread parent, the message to update)."""

    def __init__(self, message: str, never: bool = False) -> None:
        super().__init__(message)
        self.never = never  # the referred message was set aside: this one never can be sent


class SlackDelivery:
    """Sends posts, updates and files; returns what later notices may refer to."""

    def __init__(
        self, client: WebClient, store: OutboxStore, channel_id: Callable[[str], str] = str
    ) -> None:
        self.client = client
        self.store = store
        self.channel_id = channel_id  # the configured channel (maybe a #name) to its ID

    def __call__(self, channel: str, rendered: Post | Update | Upload) -> dict[str, Any]:
        target = self.channel_id(channel)
        if isinstance(rendered, Post):
            return self._post(target, rendered)
        if isinstance(rendered, Update):
            return self._update(rendered)
        return self._file(target, rendered)

    def _sent(self, key: str) -> dict[str, Any]:
        result = self.store.result_of(key)
        if result is None:
            dead = self.store.is_dead(key)
            raise NotReady(
                f"message {key!r} {'was set aside' if dead else 'is not sent yet'}", dead
            )
        return result

    def _thread(self, key: str | None) -> str | None:
        return str(self._sent(key)["ts"]) if key else None

    def _post(self, channel: str, post: Post) -> dict[str, Any]:
        response = self.client.chat_postMessage(
            channel=channel,
            text=post.text,
            blocks=post.blocks or None,
            thread_ts=self._thread(post.reply_to),
            unfurl_links=False,
        )
        return {"channel": response["channel"], "ts": response["ts"]}

    def _update(self, update: Update) -> dict[str, Any]:
        target = self._sent(update.of)
        response = self.client.chat_update(
            channel=target["channel"], ts=target["ts"], text=update.text, blocks=update.blocks
        )
        return {"channel": response["channel"], "ts": response["ts"]}

    def _file(self, channel: str, upload: Upload) -> dict[str, Any]:
        response = self.client.files_upload_v2(
            channel=channel,
            content=upload.content,
            filename=upload.filename,
            title=upload.title,
            initial_comment=upload.comment,
            thread_ts=self._thread(upload.reply_to),
        )
        return {"channel": channel, "file_id": response["files"][0]["id"]}
