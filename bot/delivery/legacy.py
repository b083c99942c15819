"""Rows queued before notices were rendered at send time: their payload is already worded
(Slack's text and blocks, an email's body) and files are named by a builder key
(`po:<id>`, `digest:<start>/<end>`, `open_backorders`). They still go out after an upgrade."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.delivery.rendered import Letter, Post, Rendered, Update, Upload
from storage.outbox import QueuedMessage

if TYPE_CHECKING:
    from bot.delivery.notices import Notices

POST, UPDATE, FILE, EMAIL = "slack.post", "slack.update", "slack.file", "email"
EXPORT = "open_backorders"


class UnknownNotice(Exception):
    """A row of a kind this version does not know: it is set aside, never retried."""


def render(message: QueuedMessage, notices: Notices) -> Rendered:
    """The old row as it was worded; its file or attachment built now, as it always was."""
    payload = message.payload
    if message.kind == POST:
        return Post(payload["text"], payload.get("blocks") or [], payload.get("thread_of"))
    if message.kind == UPDATE:
        return Update(payload["update_of"], payload["text"], payload.get("blocks") or [])
    if message.kind == FILE:
        return _upload(payload, notices)
    if message.kind == EMAIL:
        return _letter(payload, notices)
    raise UnknownNotice(f"no way to send a notice of kind {message.kind!r}")


def _upload(payload: dict[str, Any], notices: Notices) -> Upload:
    return Upload(
        _built(str(payload["builder"]), notices),
        payload["filename"],
        title=payload.get("title"),
        comment=payload.get("initial_comment"),
        reply_to=payload.get("thread_of"),
    )


def _built(builder: str, notices: Notices) -> bytes:
    if builder == EXPORT:
        return notices.export_workbook()
    if builder.startswith("digest:"):
        start, end = (datetime.fromisoformat(part) for part in builder[7:].split("/"))
        return notices.digest_workbook(start, end)
    return notices.po_workbook(int(builder.removeprefix("po:")))[1]


def _letter(payload: dict[str, Any], notices: Notices) -> Letter:
    attachment = notices.po_workbook(int(str(payload["attachment"]).removeprefix("po:")))
    return Letter(
        payload["to"],
        payload["subject"],
        payload["body"],
        attachment,
        message_key=payload.get("message_key"),
        reply_to=payload.get("reply_to"),
    )
