"""Delivers the outbox: in order per channel, about one message a second per channel,
waiting as long as Slack asks on 429, retrying errors and timeouts with backoff.

A worker serves a set of channels (`served`): the bot runs one for Slack and one for the mail
server and the stores, so a slow mail server never holds a Slack message. Channels in
`unpaced` take no pacing slot: the other end (the SMTP server) sets the pace.

Safe to run in several replicas: claims and channel pacing are decided by the database.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.delivery.slack_delivery import NotReady
from storage.outbox import EVERY, NONE, Channels, ClaimLost, OutboxStore, QueuedMessage

log = logging.getLogger(__name__)

# Errors about the message itself: retrying cannot help, so it is set aside (status "dead").
PERMANENT = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
        "cant_update_message",
        "message_not_found",
        "edit_window_closed",
    }
)
# The bot cannot post there. In the team's channel (app.yaml) an admin will fix it, so those
# messages wait; elsewhere (an export asked in a DM, say) they are set aside.
CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
MAX_BACKOFF_S = 300
# The longest a 429 pauses a channel, whatever its Retry-After says (10**12 would overflow the
# date arithmetic and stall the worker): past it the channel is simply tried, and asked, again.
MAX_RATE_LIMIT_WAIT_S = 15 * 60
RATE_LIMIT_DEFAULT_S = 30


class Heartbeat:
    """While a send is in progress, renews its claim every `every` seconds, so a send longer
    than the lease (an email of up to 60 s, a file in several calls) is never taken by another
    worker, while a crashed worker's message is free again one lease after its last renewal."""

    def __init__(
        self,
        store: OutboxStore,
        message: QueuedMessage,
        clock: Callable[[], datetime],
        lease_s: float,
        every: float,
    ) -> None:
        self.store, self.message, self.clock = store, message, clock
        self.lease_s, self.every = lease_s, every
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"outbox-lease-{message.id}", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._done.wait(self.every):
            try:
                if not self.store.renew(self.message, self.clock(), self.lease_s):
                    return  # lost (logged by the store): the send's own writes will change nothing
            except Exception:  # the database may be briefly away: the lease still has time
                log.warning("outbox message %s: renewing its claim failed", self.message.id)


class NothingToSend(Exception):
    """The notice has nothing to say any more (a due summary whose queue another took): its
    row is closed as done, nothing is posted, and nothing is logged as an error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryQuietly(Exception):
    """Try again after the usual backoff, telling nobody: the next try says what is needed."""


def backoff(attempts: int, base_s: float = 1.0) -> float:
    """Seconds before the next try: doubling from `base_s`, capped at 5 minutes, with jitter."""
    return min(base_s * 2.0**attempts, MAX_BACKOFF_S) * random.uniform(0.8, 1.2)


def rate_limit_wait(headers: Any) -> float:
    """Seconds Slack's `Retry-After` asks for, clamped to 0..MAX_RATE_LIMIT_WAIT_S; 30 when
    missing or not a number."""
    raw = headers.get("Retry-After", headers.get("retry-after")) if headers else None
    try:
        wait = float(raw)
    except (TypeError, ValueError):
        return RATE_LIMIT_DEFAULT_S
    if wait != wait:  # NaN
        return RATE_LIMIT_DEFAULT_S
    return min(max(wait, 0.0), MAX_RATE_LIMIT_WAIT_S)


class OutboxWorker:
    """A background thread; `run_once` is the whole algorithm, for tests too."""

    def __init__(
        self,
        store: OutboxStore,
        deliver: Callable[[QueuedMessage], dict[str, Any]],
        clock: Callable[[], datetime],
        pace_s: float = 1.0,
        poll_s: float = 0.25,
        lease_s: float = 60.0,
        heartbeat_s: float | None = None,
        backoff_base_s: float = 1.0,
        home_channel: str | None = None,
        permanent: tuple[type[BaseException], ...] = (),
        on_first_failure: Callable[[QueuedMessage, str], None] | None = None,
        ready: Callable[[str], bool] = lambda _channel: True,
        served: Channels = EVERY,
        unpaced: Channels = NONE,
        name: str = "outbox",
    ) -> None:
        self.store = store
        self.deliver = deliver
        self.clock = clock
        self.pace_s = pace_s
        self.poll_s = poll_s
        self.lease_s = lease_s
        self.heartbeat_s = heartbeat_s if heartbeat_s is not None else lease_s / 3
        self.backoff_base_s = backoff_base_s
        self.home_channel = home_channel
        self.permanent = permanent
        self.on_first_failure = on_first_failure
        self.ready = ready  # False while a channel's ID is not known: its messages wait
        self.served = served
        self.unpaced = unpaced
        self.name = name
        self.sent = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # the database may be briefly away; keep the worker alive
                log.exception("outbox round failed; retrying")
                worked = 0
            if not worked:
                self._wake.wait(self.poll_s)
                self._wake.clear()

    def run_once(self) -> int:
        """Send every channel's next message that may go now; returns how many were tried."""
        tried = 0
        for message in self.store.due(self.clock(), self.served):
            if self._stop.is_set():
                break
            if not self.ready(message.channel):
                continue
            claimed = self.store.claim(
                message, self.clock(), self.lease_s, self.pace_for(message.channel)
            )
            if claimed is not None:
                self._send(claimed)
                tried += 1
        return tried

    def pace_for(self, channel: str) -> float:
        """Seconds between two messages to `channel`: none where the other end sets the pace."""
        return 0.0 if channel in self.unpaced else self.pace_s

    def _send(self, message: QueuedMessage) -> None:
        try:
            with Heartbeat(self.store, message, self.clock, self.lease_s, self.heartbeat_s):
                result = self.deliver(message)
        except ClaimLost:
            log.warning("outbox message %s: another worker holds it now; not sent here", message.id)
        except NothingToSend as nothing:
            log.info("outbox message %s: nothing to send (%s)", message.id, nothing)
            self.store.mark_sent(message, {"nothing_to_send": nothing.reason}, self.clock())
        except SlackApiError as error:
            self._slack_refused(message, error)
        except NotReady as error:
            if error.never:
                log.error("outbox message %s gives up: %s", message.id, error)
                self.store.give_up(message, str(error))
            else:
                self.store.retry_later(message, str(error), self.clock() + timedelta(seconds=1))
        except RetryQuietly as error:
            self._retry(message, str(error))
        except self.permanent as error:
            log.error("outbox message %s refused for good: %s", message.id, error)
            self.store.give_up(message, f"{type(error).__name__}: {error}")
        except Exception as error:  # timeouts, connection errors, 5xx: try again later
            self._failed(message, f"{type(error).__name__}: {error}")
        else:
            self.store.mark_sent(message, result, self.clock())
            self.sent += 1

    def _slack_refused(self, message: QueuedMessage, error: SlackApiError) -> None:
        response = error.response
        if response.status_code == 429:
            wait = rate_limit_wait(response.headers)
            log.warning("Slack rate-limited %s: waiting %.0f s", message.channel, wait)
            self.store.pause_channel(message.channel, self.clock() + timedelta(seconds=wait))
            self.store.release(message)
            return
        code = str(response.data.get("error", "")) if isinstance(response.data, dict) else ""
        if code in PERMANENT or (code in CHANNEL_ERRORS and message.channel != self.home_channel):
            log.error("Slack refused outbox message %s for good: %s", message.id, code)
            self.store.give_up(message, code)
            return
        self._failed(message, f"Slack error {response.status_code} {code}")

    def _failed(self, message: QueuedMessage, error: str) -> None:
        if message.attempts == 0 and self.on_first_failure is not None:
            self.on_first_failure(message, error)
        self._retry(message, error)

    def _retry(self, message: QueuedMessage, error: str) -> None:
        delay = backoff(message.attempts, self.backoff_base_s)
        log.warning(
            "outbox message %s to %s failed (%s); retry in %.0f s",
            message.id,
            message.channel,
            error,
            delay,
        )
        self.store.retry_later(message, error, self.clock() + timedelta(seconds=delay))
