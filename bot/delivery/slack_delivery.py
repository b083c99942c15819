"""Turns a rendered notice into the Slack Web API call it stands for.

Each outbox post carries its outbox id as Slack message metadata, and is marked as handed to
Slack (committed) before it goes. A retry that finds the mark (the answer was lost: a timeout,
a connection cut after the request went, a 5xx) first reads the channel's history (or the
thread's replies) since then: the message found there is the one posted, and it is marked sent
with its ts instead of being posted twice. A history read that is only "not now" (rate-limited,
a 5xx, a timeout) is retried later like a failed post, up to `HISTORY_TRIES` tries; one that
cannot work (no `channels:history` or `groups:history` scope, the bot not in the channel) or
keeps failing posts the message again, at least once, and that is logged once per channel and
reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.rendered import Post, Update, Upload
from storage.outbox import ClaimLost, OutboxStore, QueuedMessage

log = logging.getLogger(__name__)

EVENT_TYPE = "backorder_outbox_message"  # the metadata's event_type on every outbox post
HISTORY_LIMIT = 100  # messages per history page read before a retry
HISTORY_PAGES = 3  # pages read at most: past them the message is posted again
# Slack dates a message by its own clock, the mark is dated by the bot's: read from a little
# before it, so a bot clock ahead of Slack's does not hide the post. Only the outbox id
# decides, so reading further back finds nothing else.
CLOCK_MARGIN = timedelta(minutes=2)
# Tries of a message whose history read failed for a passing reason before it is posted again
# anyway: the outbox retries with its backoff in between (a 429 waits out Slack's Retry-After).
HISTORY_TRIES = 5


class NotReady(Exception):
    """The notice refers to one not yet sent (a thread parent, the message to update)."""

    def __init__(self, message: str, never: bool = False) -> None:
        super().__init__(message)
        self.never = never  # the referred message was set aside: this one never can be sent


class SlackDelivery:
    """Sends posts, updates and files; returns what later notices may refer to."""

    def __init__(
        self,
        client: WebClient,
        store: OutboxStore,
        channel_id: Callable[[str], str] = str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.store = store
        self.channel_id = channel_id  # the configured channel (maybe a #name) to its ID
        self.clock = clock  # the wall clock: the mark is compared with Slack's message times
        self.unreadable: set[tuple[str, str]] = set()  # (channel, why) history unread (logged)

    def __call__(
        self, channel: str, rendered: Post | Update | Upload, message: QueuedMessage | None = None
    ) -> dict[str, Any]:
        """Send `rendered`; for the outbox `message` (when given) a post is posted once even
        when Slack's answer to an earlier try was lost."""
        target = self.channel_id(channel)
        if isinstance(rendered, Post):
            if message is not None:
                return self._post_once(target, rendered, message)
            return self._post(target, rendered, self._thread(rendered.reply_to))
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

    def _post(
        self,
        channel: str,
        post: Post,
        thread_ts: str | None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        response = self.client.chat_postMessage(
            channel=channel,
            text=post.text,
            blocks=post.blocks or None,
            thread_ts=thread_ts,
            unfurl_links=False,
            metadata=metadata,
        )
        return {"channel": response["channel"], "ts": response["ts"]}

    def _post_once(self, channel: str, post: Post, message: QueuedMessage) -> dict[str, Any]:
        thread_ts = self._thread(post.reply_to)
        if message.handed_at is not None:  # an earlier try's answer was lost: did it post?
            ts = self._posted_before(channel, thread_ts, message, message.handed_at)
            if ts is not None:
                log.info("outbox message %s was posted already (ts %s): not again", message.id, ts)
                return {"channel": channel, "ts": ts}
        if not self.store.hand_over(message, self.clock()):
            raise ClaimLost(f"outbox message {message.id} is another worker's now")
        try:
            return self._post(channel, post, thread_ts, outbox_metadata(message))
        except SlackApiError as error:
            if slack_answered_no(error):
                self.store.take_back(message)  # Slack said no: it was not posted
            raise

    def _posted_before(
        self, channel: str, thread_ts: str | None, message: QueuedMessage, since: datetime
    ) -> str | None:
        """The ts of the post carrying this message's outbox id in the channel (or the thread)
        since `since`; None if not there or the history cannot be read (then logged once)."""
        oldest = f"{(since - CLOCK_MARGIN).timestamp():.6f}"
        cursor: str | None = None
        try:
            for _ in range(HISTORY_PAGES):
                page = self._history(channel, thread_ts, oldest, cursor)
                for posted in page.get("messages") or []:
                    if posted_outbox_id(posted) == message.id:
                        return str(posted["ts"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not page.get("has_more") or not cursor:
                    return None
        except Exception as error:
            if _passing(error) and message.attempts < HISTORY_TRIES:
                raise  # rate-limited, Slack away: ask again later rather than post twice
            self._cannot_read(channel, error)  # no scope, not in it, or still failing
            return None
        log.warning(
            "outbox message %s: not found in %s messages of %s's history: posting it again",
            message.id,
            HISTORY_PAGES * HISTORY_LIMIT,
            channel,
        )
        return None

    def _history(self, channel: str, thread_ts: str | None, oldest: str, cursor: str | None) -> Any:
        page = {
            "channel": channel,
            "oldest": oldest,
            "include_all_metadata": True,
            "limit": HISTORY_LIMIT,
            "cursor": cursor,
        }
        if thread_ts is not None:
            return self.client.conversations_replies(ts=thread_ts, **page)
        return self.client.conversations_history(**page)

    def _cannot_read(self, channel: str, error: Exception) -> None:
        why = _why(error)
        if (channel, why) in self.unreadable:
            return
        self.unreadable.add((channel, why))
        fix = (
            "add the channels:history and groups:history scopes (manifest.yaml) and reinstall "
            "the app"
            if "missing_scope" in why
            else "Slack kept failing to answer"
            if _passing(error)
            else "Slack refused to show it"
        )
        log.warning(
            "Slack channel %s: its history cannot be read (%s), so a post whose answer was lost "
            "is posted again and may show twice; %s",
            channel,
            why,
            fix,
        )

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


def outbox_metadata(message: QueuedMessage) -> dict[str, Any]:
    """The Slack message metadata that names the outbox row a post was sent for."""
    return {"event_type": EVENT_TYPE, "event_payload": {"outbox_id": message.id}}


def posted_outbox_id(posted: dict[str, Any]) -> int | None:
    """The outbox id a message in Slack's history was posted for, if it was one of ours."""
    metadata = posted.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != EVENT_TYPE:
        return None
    payload = metadata.get("event_payload")
    outbox_id = payload.get("outbox_id") if isinstance(payload, dict) else None
    try:
        return int(outbox_id) if outbox_id is not None else None
    except (TypeError, ValueError):
        return None


def slack_answered_no(error: SlackApiError) -> bool:
    """Slack answered, and did not post: a refusal (`ok: false`) or a 429. A 5xx may come from
    a proxy after Slack posted, so it counts as an answer lost."""
    status = error.response.status_code
    return status == 429 or (status < 500 and isinstance(error.response.data, dict))


def _passing(error: Exception) -> bool:
    """A failure that may be gone on the next try: rate-limited, a 5xx, no answer at all."""
    if not isinstance(error, SlackApiError):
        return True  # timeouts, refused or cut connections
    code = error.response.data.get("error") if isinstance(error.response.data, dict) else None
    return (
        error.response.status_code == 429
        or error.response.status_code >= 500
        or code
        in (
            "ratelimited",
            "internal_error",
            "fatal_error",
            "service_unavailable",
            "request_timeout",
        )
    )


def _why(error: Exception) -> str:
    if isinstance(error, SlackApiError) and isinstance(error.response.data, dict):
        data = error.response.data
        needed = f", needs {data['needed']}" if data.get("needed") else ""
        return f"{data.get('error', error.response.status_code)}{needed}"
    return f"{type(error).__name__}: {error}"
