"""The Slack Web API methods LocalSlack answers, over a small in-memory workspace."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from bot.console.local_slack_channels import Channels
from bot.console.local_slack_history import History

TEAM_ID = "T111"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
# The bot's scopes as installed from manifest.yaml (what `missing_scope` says was provided).
SCOPES = frozenset(
    {
        "app_mentions:read",
        "channels:history",
        "channels:read",
        "chat:write",
        "commands",
        "files:write",
        "groups:history",
        "groups:read",
        "usergroups:read",
    }
)

Params = dict[str, Any]
Answer = dict[str, Any]


def ok(**fields: Any) -> Answer:
    """A successful Slack answer."""
    return {"ok": True, **fields}


def error(code: str) -> Answer:
    """A failed Slack answer, as Slack gives it (HTTP 200, `ok: false`)."""
    return {"ok": False, "error": code}


@dataclass(frozen=True)
class Upload:
    """A file started with files.getUploadURLExternal, its bytes, and where it was shared."""

    file_id: str
    filename: str
    title: str | None = None
    content: bytes = b""
    uploaded: bool = False
    completed: bool = False
    channel_id: str | None = None
    channels: str | None = None
    thread_ts: str | None = None
    initial_comment: str | None = None


class Workspace:
    """What the local Slack remembers between calls. Not thread-safe: LocalSlack locks."""

    def __init__(self, base_url: str, channel_ids_only: bool = False) -> None:
        self.base_url = base_url
        self.channels = Channels(ids_only=channel_ids_only)
        self.usergroups: dict[str, list[str]] = {}
        self.uploads: dict[str, Upload] = {}
        self.posted: set[str] = set()
        self.history = History()
        self.scopes = set(SCOPES)  # a test withholds one to see what the bot does without it
        self._serial = itertools.count(1)
        self._last_micros = 0

    def next_ts(self) -> str:
        """A message timestamp as Slack makes it: the Unix time of the post, `seconds.micros`,
        unique and increasing (100 µs past the one before when two fall in one tick)."""
        micros = max(time.time_ns() // 1_000, self._last_micros + 100)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def missing_scope(self, needed: str) -> Answer | None:
        """Slack's refusal of a method whose scope the app was not granted, or None."""
        if needed in self.scopes:
            return None
        provided = ",".join(sorted(self.scopes))
        return error("missing_scope") | {"needed": needed, "provided": provided}

    def next_id(self, prefix: str) -> str:
        """A Slack-looking object ID such as `F0000000007`."""
        return f"{prefix}{next(self._serial):010d}"

    def answer(self, method: str, params: Params) -> Answer:
        """Run one Web API method; unknown methods get `unknown_method` as Slack answers."""
        handler = METHODS.get(method)
        return handler(self, params) if handler else error("unknown_method")

    def receive_upload(self, file_id: str, content: bytes) -> Answer:
        """Store the bytes POSTed to an upload URL."""
        upload = self.uploads.get(file_id)
        if upload is None:
            return error("file_not_found")
        self.uploads[file_id] = replace(upload, content=content, uploaded=True)
        return ok(file_id=file_id, length=len(content))

    def set_usergroup(self, group_id: str, user_ids: Iterable[str]) -> None:
        """Make `usergroups.users.list` answer these members for this group."""
        self.usergroups[group_id] = list(user_ids)


def _message(ws: Workspace, params: Params, ts: str) -> Answer:
    message: Answer = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts}
    message["text"] = params.get("text", "")
    for key in ("blocks", "attachments", "thread_ts", "metadata"):
        if key in params:
            message[key] = params[key]
    return message


def auth_test(ws: Workspace, params: Params) -> Answer:
    """auth.test: who the token belongs to."""
    return ok(
        url=ws.base_url,
        team="Backorder Test",
        user="backorder-bot",
        team_id=TEAM_ID,
        user_id=BOT_USER_ID,
        bot_id=BOT_ID,
        is_enterprise_install=False,
    )


def chat_post_message(ws: Workspace, params: Params) -> Answer:
    """chat.postMessage: posts, and answers the new message's channel and ts."""
    channel = params.get("channel")
    if problem := ws.channels.problem(channel):
        return error(problem)
    if not any(params.get(key) for key in ("text", "blocks", "attachments")):
        return error("no_text")
    ts = ws.next_ts()
    ws.posted.add(ts)
    message = _message(ws, params, ts)
    ws.history.add(str(channel), message)
    return ok(channel=channel, ts=ts, message=message)


def chat_update(ws: Workspace, params: Params) -> Answer:
    """chat.update: only messages this server posted can be updated."""
    channel, ts = params.get("channel"), params.get("ts")
    if problem := ws.channels.problem(channel):
        return error(problem)
    if ts not in ws.posted:
        return error("message_not_found")
    return ok(channel=channel, ts=ts, text=params.get("text", ""), message=_message(ws, params, ts))


def chat_delete(ws: Workspace, params: Params) -> Answer:
    """chat.delete: forgets a message this server posted."""
    ts = params.get("ts")
    if ts not in ws.posted:
        return error("message_not_found")
    ws.posted.discard(ts)
    ws.history.forget(str(params.get("channel")), str(ts))
    return ok(channel=params.get("channel"), ts=ts)


def chat_post_ephemeral(ws: Workspace, params: Params) -> Answer:
    """chat.postEphemeral: shown to one user, so Slack answers only a message_ts."""
    if problem := ws.channels.problem(params.get("channel")):
        return error(problem)
    if not params.get("user"):
        return error("user_not_in_channel")
    return ok(message_ts=ws.next_ts())


def _view(ws: Workspace, params: Params, view_id: str | None = None) -> Answer:
    view = params.get("view")
    if not isinstance(view, dict):
        return error("invalid_arguments")
    shown = {**view, "id": view_id or ws.next_id("V"), "team_id": TEAM_ID, "hash": ws.next_ts()}
    shown.setdefault("state", {"values": {}})
    return ok(view=shown)


def views_open(ws: Workspace, params: Params) -> Answer:
    """views.open and views.push: the view back, with a new ID."""
    return _view(ws, params)


def views_update(ws: Workspace, params: Params) -> Answer:
    """views.update: the view back, keeping the ID it was addressed by."""
    return _view(ws, params, params.get("view_id"))


def usergroups_users_list(ws: Workspace, params: Params) -> Answer:
    """usergroups.users.list: the members set with `LocalSlack.set_usergroup` (default none)."""
    return ok(users=list(ws.usergroups.get(params.get("usergroup", ""), [])))


def users_info(ws: Workspace, params: Params) -> Answer:
    """users.info: a minimal human user named after the ID."""
    user_id = params.get("user")
    if not user_id:
        return error("user_not_found")
    name = str(user_id).lower()
    profile = {"real_name": f"User {user_id}", "display_name": name}
    return ok(
        user={
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "is_bot": False,
            "tz": "Europe/London",
            "real_name": profile["real_name"],
            "profile": profile,
        }
    )


def conversations_info(ws: Workspace, params: Params) -> Answer:
    """conversations.info: a known channel (an unknown one is made up, unless IDs only)."""
    return ws.channels.info(params)


def _history_scope(ws: Workspace, channel: str) -> str:
    """The scope Slack asks for to read this conversation's history."""
    if channel.startswith("D"):
        return "im:history"
    known = ws.channels.by_id.get(channel)
    return "groups:history" if known is not None and known.is_private else "channels:history"


def _readable(ws: Workspace, params: Params) -> Answer | None:
    """Why this conversation's messages cannot be read, or None."""
    channel = str(params.get("channel") or "")
    if problem := ws.channels.problem(channel):
        return error(problem)
    return ws.missing_scope(_history_scope(ws, channel))


def conversations_history(ws: Workspace, params: Params) -> Answer:
    """conversations.history: the channel's messages (not thread replies), newest first,
    between `oldest` and `latest`, a page of `limit` at a time; metadata with
    `include_all_metadata`."""
    if refused := _readable(ws, params):
        return refused
    return ws.history.page(str(params["channel"]), params)


def conversations_replies(ws: Workspace, params: Params) -> Answer:
    """conversations.replies: a thread's parent, then its replies oldest first."""
    if refused := _readable(ws, params):
        return refused
    return ws.history.thread(str(params["channel"]), params)


def conversations_list(ws: Workspace, params: Params) -> Answer:
    """conversations.list: channels of the asked types, a page at a time (cursor)."""
    return ws.channels.list_page(params)


def files_get_upload_url_external(ws: Workspace, params: Params) -> Answer:
    """files.getUploadURLExternal: an upload URL on this server for a new file ID."""
    if not params.get("filename") or not params.get("length"):
        return error("invalid_arguments")
    file_id = ws.next_id("F")
    ws.uploads[file_id] = Upload(file_id=file_id, filename=str(params["filename"]))
    return ok(upload_url=f"{ws.base_url}upload/{file_id}", file_id=file_id)


def _share_problem(ws: Workspace, params: Params) -> str | None:
    """Why a file cannot be shared where asked (channel_id, channels), or None."""
    targets = [params.get("channel_id"), *str(params.get("channels") or "").split(",")]
    problems = (ws.channels.problem(target) for target in targets if target)
    return next((problem for problem in problems if problem), None)


def files_complete_upload_external(ws: Workspace, params: Params) -> Answer:
    """files.completeUploadExternal: titles the uploaded files and shares them."""
    files = params.get("files")
    if not isinstance(files, list) or not files:
        return error("invalid_arguments")
    if problem := _share_problem(ws, params):
        return error(problem)
    shared = []
    for item in files:
        upload = ws.uploads.get(str(item.get("id")))
        if upload is None or not upload.uploaded:
            return error("file_not_found")
        upload = replace(
            upload,
            title=item.get("title") or upload.filename,
            completed=True,
            channel_id=params.get("channel_id"),
            channels=params.get("channels"),
            thread_ts=params.get("thread_ts"),
            initial_comment=params.get("initial_comment"),
        )
        ws.uploads[upload.file_id] = upload
        shared.append(
            {
                "id": upload.file_id,
                "title": upload.title,
                "name": upload.filename,
                "size": len(upload.content),
            }
        )
    return ok(files=shared)


METHODS: dict[str, Callable[[Workspace, Params], Answer]] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.postEphemeral": chat_post_ephemeral,
    "views.open": views_open,
    "views.push": views_open,
    "views.update": views_update,
    "usergroups.users.list": usergroups_users_list,
    "users.info": users_info,
    "conversations.info": conversations_info,
    "conversations.list": conversations_list,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "files.completeUploadExternal": files_complete_upload_external,
}
