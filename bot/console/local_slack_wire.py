"""LocalSlack's HTTP side: requests read as Slack reads them, answers written as JSON."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl

log = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

# Form fields whose value is JSON text; decoded so tests read them as lists and dicts.
JSON_FIELDS = frozenset(
    {"attachments", "blocks", "files", "metadata", "outputs", "unfurls", "user_auth_blocks", "view"}
)


def request_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    """The call's parameters: query string, then body on top. Raises ValueError on bad JSON."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    params.update(body_params(content_type, body))
    return {key: _decode_json_field(key, value) for key, value in params.items()}


def body_params(content_type: str, body: bytes) -> dict[str, Any]:
    """Fields of a JSON, multipart or form-encoded body (anything else is read as a form)."""
    if not body.strip():
        return {}
    mime = _mime(content_type)
    if mime == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("a JSON body must be an object")
        return data
    if mime == "multipart/form-data":
        return multipart_fields(content_type, body)
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def multipart_fields(content_type: str, body: bytes) -> dict[str, Any]:
    """Fields of a multipart/form-data body: file parts as bytes, the others as text."""
    fields: dict[str, Any] = {}
    for part in _parts(content_type, body):
        name = part.get_param("name", header="content-disposition")
        payload = cast(bytes, part.get_payload(decode=True) or b"")
        value = payload if part.get_filename() is not None else payload.decode("utf-8", "replace")
        fields[str(name)] = value
    return fields


def upload_content(content_type: str, body: bytes) -> bytes:
    """The file bytes POSTed to an upload URL: raw (as slack_sdk sends) or a multipart file."""
    if _mime(content_type) != "multipart/form-data":
        return body
    files = [v for v in multipart_fields(content_type, body).values() if isinstance(v, bytes)]
    return files[0] if files else b""


def bearer_token(authorization: str | None, params: dict[str, Any]) -> str | None:
    """The token from `Authorization: Bearer ...`, else a `token` parameter (which is removed)."""
    from_param = str(params.pop("token", "") or "").strip()
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return from_param or None


def _mime(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _parts(content_type: str, body: bytes) -> list[EmailMessage]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        return []
    return list(cast(Any, message.iter_parts()))


def _decode_json_field(key: str, value: Any) -> Any:
    if key not in JSON_FIELDS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # Slack would refuse it; keep what was sent so a test can see it


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, JSON body, extra headers, and how long to hold it back."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


# (verb, path with query, headers, body) -> the answer
Handle = Callable[[str, str, Message, bytes], Reply]


class WireServer(ThreadingHTTPServer):
    """Calls `handle` for each request on its own daemon thread and writes its JSON reply."""

    daemon_threads = True
    block_on_close = False  # a reply held back by a timeout fault must not delay shutdown

    def __init__(self, address: tuple[str, int], handle: Handle, stopping: threading.Event) -> None:
        self.handle = handle
        self.stopping = stopping
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: WireServer

    def do_POST(self) -> None:
        self._answer("POST")

    def do_GET(self) -> None:
        self._answer("GET")

    def _answer(self, verb: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        reply = self.server.handle(verb, self.path, self.headers, body)
        if reply.delay and self.server.stopping.wait(reply.delay):
            return  # stopped while the client waited: it gets no answer, as in a real timeout
        try:
            self._write(reply)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("the client left before its answer to %s", self.path)

    def _write(self, reply: Reply) -> None:
        payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", JSON_CONTENT_TYPE)
        self.send_header("Content-Length", str(len(payload)))
        for header, value in reply.headers.items():
            self.send_header(header, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("local slack: " + format, *args)
