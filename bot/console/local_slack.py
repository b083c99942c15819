"""A Slack Web API server on loopback, for the terminal console and the end-to-end tests.

Point a `WebClient(base_url=slack.api_url)` (or `SLACK_API_URL`) at it; it answers like Slack,
records every call in arrival order, and can be told to fail the next calls of a method.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from email.message import Message
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, unquote, urlsplit

from bot.console.local_slack_calls import Call, Fault, describe
from bot.console.local_slack_methods import Answer, Upload, Workspace, error
from bot.console.local_slack_wire import (
    Reply,
    WireServer,
    bearer_token,
    request_params,
    upload_content,
)

log = logging.getLogger(__name__)

ANY_METHOD = "*"
RESPONSE_URL = "response_url"  # the method name recorded for posts to response URLs
UPLOAD = "upload"  # the method name recorded for file bytes posted to upload URLs


class LocalSlack:
    """The Slack Web API on 127.0.0.1, recording what it is sent. Thread-safe."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token_required: bool = True,
        channel_ids_only: bool = False,
        on_call: Callable[[Call], None] | None = None,
    ) -> None:
        self._address = (_loopback(host), port)
        self.token_required = token_required
        self._on_call = on_call
        self._changed = threading.Condition()
        self._calls: list[Call] = []
        self._faults: defaultdict[str, deque[Fault]] = defaultdict(deque)
        self._workspace = Workspace(base_url="", channel_ids_only=channel_ids_only)
        self._stopping = threading.Event()
        self._server: WireServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        """Bind and serve on a daemon thread."""
        if self._server is None:
            self._stopping.clear()
            self._server = WireServer(self._address, self._handle, self._stopping)
            self._workspace.base_url = self.base_url
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name="local-slack",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; answers still being delayed by a timeout fault are dropped."""
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The server's root, such as `http://127.0.0.1:PORT/`."""
        if self._server is None:
            raise RuntimeError("LocalSlack is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    @property
    def api_url(self) -> str:
        """What `WebClient(base_url=...)` and `SLACK_API_URL` take."""
        return f"{self.base_url}api/"

    def response_url(self, name: str = "default") -> str:
        """A response URL on this server that accepts `respond()` posts."""
        return f"{self.base_url}responses/{quote(name, safe='')}"

    def fail_next(self, method: str, *faults: Fault) -> None:
        """Queue faults, used one per call of `method` ("*": any method, after its own)."""
        with self._changed:
            self._faults[method].extend(faults)

    def set_usergroup(self, group_id: str, user_ids: Iterable[str]) -> None:
        """Members that `usergroups.users.list` answers for this group."""
        with self._changed:
            self._workspace.set_usergroup(group_id, user_ids)

    def add_channel(self, name: str, **flags: bool) -> str:
        """A channel (flags: is_private, is_member, is_archived), replacing one so named; its ID."""
        with self._changed:
            return self._workspace.channels.add(name, **flags)

    def withhold_scope(self, scope: str) -> None:
        """Answer `missing_scope` to the methods that need `scope`, as Slack does for an app
        installed before the scope was added to its manifest."""
        with self._changed:
            self._workspace.scopes.discard(scope)

    def history(self, channel: str) -> list[dict[str, Any]]:
        """Every message posted to `channel` (replies too), oldest first, as Slack keeps it."""
        with self._changed:
            return [dict(m) for m in self._workspace.history.by_channel.get(channel, [])]

    def channel_names(self) -> dict[str, str]:
        """Each channel's name by its ID, as Slack shows a `<#C0123>` link."""
        with self._changed:
            return {i: c.name for i, c in self._workspace.channels.by_id.items()}

    def calls(self, method: str | None = None) -> list[Call]:
        """Calls received so far, oldest first, of one method or all."""
        with self._changed:
            return [c for c in self._calls if method is None or c.method == method]

    def messages(self, channel: str | None = None) -> list[Call]:
        """chat.postMessage calls that really posted (no fault, answered `ok`)."""
        return [
            c
            for c in self.calls("chat.postMessage")
            if c.delivered and (channel is None or c.params.get("channel") == channel)
        ]

    def responses(self, name: str | None = None) -> list[Call]:
        """Posts to response URLs (params: the JSON posted), of one name or all."""
        return [c for c in self.calls(RESPONSE_URL) if name is None or c.name == name]

    @property
    def uploads(self) -> dict[str, Upload]:
        """Files by file ID: bytes, filename, title and where they were shared."""
        with self._changed:
            return dict(self._workspace.uploads)

    def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 10) -> list[Call]:
        """Block until `predicate(calls)` holds; the calls then, or TimeoutError listing them."""
        with self._changed:
            if self._changed.wait_for(lambda: predicate(list(self._calls)), timeout):
                return list(self._calls)
            seen = "\n  ".join(describe(c) for c in self._calls) or "(none)"
        raise TimeoutError(f"no matching Slack calls after {timeout}s; calls seen:\n  {seen}")

    def clear(self) -> None:
        """Forget recorded calls, uploads and queued faults; posted messages stay updatable."""
        with self._changed:
            self._calls.clear()
            self._faults.clear()
            self._workspace.uploads.clear()

    def _handle(self, verb: str, target: str, headers: Message, body: bytes) -> Reply:
        """Route one HTTP request: `/api/<method>`, `/upload/<file>`, `/responses/<name>`."""
        url = urlsplit(target)
        route, _, rest = url.path.lstrip("/").partition("/")
        content_type = headers.get("Content-Type", "")
        if route == UPLOAD and rest:
            content = upload_content(content_type, body)
            params = {"file_id": rest, "length": len(content)}
            return self._serve(UPLOAD, params, None, lambda ws: ws.receive_upload(rest, content))
        try:
            params = request_params(content_type, body, url.query)
        except ValueError:
            return Reply(200, error("invalid_json"))
        if route == "responses" and verb == "POST":
            name = unquote(rest) or "default"
            return self._serve(RESPONSE_URL, params, None, lambda ws: {"ok": True}, name=name)
        if route == "api" and rest:
            token = bearer_token(headers.get("Authorization"), params)
            if self.token_required and not token:
                return self._serve(rest, params, None, lambda ws: error("not_authed"))
            return self._serve(rest, params, token, lambda ws: ws.answer(rest, params))
        return Reply(404, error("not_found"))

    def _serve(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        perform: Callable[[Workspace], Answer],
        name: str | None = None,
    ) -> Reply:
        """Apply a queued fault or perform the call, and record it, in one atomic step."""
        with self._changed:
            fault = self._next_fault(method)
            if fault is None or fault.kind == "timeout":
                delay = fault.seconds if fault else 0.0
                reply = Reply(200, perform(self._workspace), delay=delay)
            else:
                reply = _fault_reply(fault)
            call = Call(
                method=method,
                params=params,
                token=token,
                at=time.monotonic(),
                fault=fault.kind if fault else None,
                timed_out=fault is not None and fault.kind == "timeout",
                response=reply.body,
                name=name,
            )
            self._calls.append(call)
            self._changed.notify_all()
        self._notify(call)
        return reply

    def _next_fault(self, method: str) -> Fault | None:
        for queue in (self._faults.get(method), self._faults.get(ANY_METHOD)):
            if queue:
                return queue.popleft()
        return None

    def _notify(self, call: Call) -> None:
        if self._on_call is None:
            return
        try:
            self._on_call(call)
        except Exception:  # a broken listener must not stop the server from answering
            log.exception("LocalSlack on_call listener failed for %s", call.method)


def _fault_reply(fault: Fault) -> Reply:
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    return Reply(fault.status, error(fault.code or "internal_error"), headers)


def _loopback(host: str) -> str:
    address = "127.0.0.1" if host == "localhost" else host
    try:
        if ipaddress.IPv4Address(address).is_loopback:
            return address
    except ValueError:
        pass
    raise ValueError(f"LocalSlack only binds an IPv4 loopback address, not {host!r}")
