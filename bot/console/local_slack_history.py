"""LocalSlack's message history: conversations.history and conversations.replies as Slack
answers them (newest first, `oldest`/`latest` exclusive unless `inclusive`, a page of `limit`
with `has_more` and a `next_cursor`), and message metadata only with `include_all_metadata`."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.console.local_slack_channels import TRUE, cursor_offset, page_cursor

DEFAULT_LIMIT = 100
MAX_LIMIT = 999
Message = dict[str, Any]


@dataclass
class History:
    """Every channel's messages in the order posted; replies are kept with their thread."""

    by_channel: dict[str, list[Message]] = field(default_factory=dict)

    def add(self, channel: str, message: Message) -> None:
        self.by_channel.setdefault(channel, []).append(message)

    def forget(self, channel: str, ts: str) -> None:
        kept = [m for m in self.by_channel.get(channel, []) if m["ts"] != ts]
        self.by_channel[channel] = kept

    def page(self, channel: str, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: the channel's own messages (a thread's replies only when
        also sent to the channel), newest first."""
        shown = [m for m in self.by_channel.get(channel, []) if _in_channel(m)]
        return _paged(list(reversed(shown)), params, newest_first=True)

    def thread(self, channel: str, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies: the thread's parent first, then its replies oldest first."""
        parent_ts = str(params.get("ts") or "")
        messages = self.by_channel.get(channel, [])
        parent = next((m for m in messages if m["ts"] == parent_ts), None)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        replies = [m for m in messages if m.get("thread_ts") == parent_ts and m is not parent]
        answer = _paged(replies, params, newest_first=False)
        if answer["ok"]:
            answer["messages"] = [_shown(parent, params), *answer["messages"]]
        return answer


def _in_channel(message: Message) -> bool:
    thread = message.get("thread_ts")
    return thread is None or thread == message["ts"] or message.get("reply_broadcast") in TRUE


def _paged(messages: list[Message], params: dict[str, Any], newest_first: bool) -> dict[str, Any]:
    try:
        oldest, latest = _time(params.get("oldest"), "0"), _time(params.get("latest"), "inf")
        limit = max(1, min(int(params.get("limit") or DEFAULT_LIMIT), MAX_LIMIT))
        start = cursor_offset(str(params.get("cursor") or ""))
    except ValueError:
        return {"ok": False, "error": "invalid_arguments"}
    inclusive = params.get("inclusive") in TRUE
    within = [m for m in messages if _between(Decimal(m["ts"]), oldest, latest, inclusive)]
    page = within[start : start + limit]
    has_more = start + len(page) < len(within)
    answer: dict[str, Any] = {
        "ok": True,
        "messages": [_shown(m, params) for m in page],
        "has_more": has_more,
    }
    if newest_first:
        answer |= {"pin_count": 0, "channel_actions_ts": None, "channel_actions_count": 0}
    if has_more:
        answer["response_metadata"] = {"next_cursor": page_cursor(start + len(page))}
    return answer


def _shown(message: Message, params: dict[str, Any]) -> Message:
    """The message as read back: its metadata only when asked for all of it."""
    if "metadata" in message and params.get("include_all_metadata") not in TRUE:
        return {k: v for k, v in message.items() if k != "metadata"}
    return dict(message)


def _time(raw: Any, default: str) -> Decimal:
    try:
        return Decimal(str(raw) if raw not in (None, "") else default)
    except InvalidOperation as error:
        raise ValueError(raw) from error


def _between(ts: Decimal, oldest: Decimal, latest: Decimal, inclusive: bool) -> bool:
    if inclusive:
        return oldest <= ts <= latest
    return oldest < ts < latest
