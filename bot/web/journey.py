"""The customers' door: `GET /o/<token>`, `POST /o/<token>/choice`, and the backorder feed.

Every bound is checked before anything else: the path's shape, the method, the body's size,
then the token's signature. A token this bot did not sign gets the same bare 404 as a page
that never existed, and costs no database work.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from bot.journey_tokens import JourneyLinks, fingerprint
from bot.web.http import STATUS_TEXT, StartResponse, read_body
from bot.web.journey_desk import CustomerDesk
from bot.web.journey_feed import FeedCache
from bot.web.journey_pages import Pages
from bot.web.refusals import REFUSALS
from domain.customer_choices import Choice

PATH = re.compile(r"/o/(?P<token>[A-Za-z0-9_-]{54})(?P<action>/choice|/opt-out)?")
MAX_CHOICE_BODY = 1024  # `choice=keep_waiting` is 19 bytes; RFC 8058's one-click body, 26
ONE_CLICK = re.compile(rb'List-Unsubscribe(=|"\r\n\r\n)One-Click')  # form or multipart
FEED_PATHS = ("/feeds/backorder-products.json", "/feeds/backorder-products.html")
SEE_OTHER = "303 See Other"
NOTHING_TO_CANCEL = "nothing_waiting"
HTML = "text/html; charset=utf-8"


class JourneyDoor:
    """A WSGI app for the customers' paths; the HTTP front routes `/o/` and `/feeds/` here."""

    def __init__(self, links: JourneyLinks, desk: CustomerDesk, pages: Pages | None = None):
        self.links = links
        self.desk = desk
        self.pages = pages or Pages(desk.desk.zone)
        self.feed = FeedCache(desk, self.pages)

    def __call__(self, environ: dict[str, Any], start: StartResponse) -> list[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path in FEED_PATHS:
            return self.feed(environ, start, path.endswith(".json"))
        found = PATH.fullmatch(path)
        order_id = self.links.order_of(found["token"]) if found else None
        if found is None or order_id is None:
            if found is not None:
                _refused(environ, 404, "journey token not signed by this bot")
            return self._not_found(start)
        if found["action"] == "/opt-out":
            return self._opt_out(environ, start, method, found["token"], order_id)
        if found["action"]:
            if method != "POST":
                return self._html(start, 405, b"", [("Allow", "POST")])
            return self._choose(environ, start, found["token"], order_id)
        if method not in ("GET", "HEAD"):
            return self._html(start, 405, b"", [("Allow", "GET")])
        return self._page(environ, start, found["token"], order_id)

    def _page(
        self, environ: dict[str, Any], start: StartResponse, token: str, order_id: int
    ) -> list[bytes]:
        page = self.desk.page(order_id)
        if page is None:
            return self._not_found(start)
        answered = parse_qs(environ.get("QUERY_STRING", "")[:200]).get("answered", [None])[0]
        body = self.pages.journey(page, f"/o/{token}/choice", answered)
        return self._html(start, 200, body)

    def _opt_out(
        self, environ: dict[str, Any], start: StartResponse, method: str, token: str, order_id: int
    ) -> list[bytes]:
        """The emails' List-Unsubscribe link: GET shows one button, POST (the button, or a mail
        client's RFC 8058 one-click `List-Unsubscribe=One-Click`) records the opt-out once."""
        if method not in ("GET", "HEAD", "POST"):
            return self._html(start, 405, b"", [("Allow", "GET, POST")])
        if method != "POST":
            page = self.desk.page(order_id)
            if page is None:
                return self._not_found(start)
            body = self.pages.opt_out(page.order.number, f"/o/{token}/opt-out", False)
            return self._html(start, 200, body)
        body = self._bounded_body(environ, start)
        if isinstance(body, list):
            return body
        if not ONE_CLICK.search(body):
            _refused(environ, 400, "opt-out body is not List-Unsubscribe=One-Click")
            return self._html(start, 400, b"Send List-Unsubscribe=One-Click.")
        result = self.desk.choose(order_id, Choice.OPT_OUT, fingerprint(token))
        page = self.desk.page(order_id) if result is not None else None
        if page is None:
            return self._not_found(start)
        return self._html(start, 200, self.pages.opt_out(page.order.number, "", True))

    def _bounded_body(self, environ: dict[str, Any], start: StartResponse) -> bytes | list[bytes]:
        """The request's body, or the 413 answer when it is over the bound."""
        if int(environ.get("CONTENT_LENGTH") or 0) > MAX_CHOICE_BODY:
            _refused(environ, 413, f"customer's form over {MAX_CHOICE_BODY} bytes")
            return self._html(start, 413, b"")
        return read_body(environ) or b""

    def _choose(
        self, environ: dict[str, Any], start: StartResponse, token: str, order_id: int
    ) -> list[bytes]:
        body = self._bounded_body(environ, start)
        if isinstance(body, list):
            return body
        given = parse_qs(body.decode("utf-8", "replace")).get("choice", [""])[0]
        try:
            choice = Choice(given)
        except ValueError:
            _refused(environ, 400, "choice is not keep_waiting, cancel or opt_out")
            return self._html(start, 400, b"Choose keep_waiting, cancel or opt_out.")
        result = self.desk.choose(order_id, choice, fingerprint(token))
        if result is None:
            return self._not_found(start)
        answered = choice.value
        if choice is Choice.CANCEL and not result.cancelled:
            answered = NOTHING_TO_CANCEL  # filled, or cancelled before: nothing to refund now
        # POST, redirect, GET: reloading the confirmation sends nothing again.
        where = f"/o/{token}?answered={answered}#choice"
        start(SEE_OTHER, [("Location", where), ("Content-Length", "0"), *self._guards()])
        return [b""]

    def _not_found(self, start: StartResponse) -> list[bytes]:
        return self._html(start, 404, self.pages.not_found())

    def _html(
        self, start: StartResponse, status: int, body: bytes, extra: list | None = None
    ) -> list[bytes]:
        headers = [("Content-Type", HTML), ("Content-Length", str(len(body))), *self._guards()]
        start(STATUS_TEXT.get(status, f"{status} Error"), headers + (extra or []))
        return [body]

    def _guards(self) -> list[tuple[str, str]]:
        """A customer's page is theirs: never cached, never framed, never sent on as referrer."""
        return [
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("Content-Security-Policy", self.pages.policy()),
            ("X-Frame-Options", "DENY"),
        ]


def _refused(environ: dict[str, Any], status: int, reason: str) -> None:
    """Log the refusal with the token's digest in place of the token: a signed token is the
    key to a customer's page, and a log is read by more people than the page is for."""
    path = PATH.sub(_digest_of_token, str(environ.get("PATH_INFO", "")))
    REFUSALS.refused({**environ, "PATH_INFO": path}, status, reason)


def _digest_of_token(found: re.Match[str]) -> str:
    return f"/o/<token {fingerprint(found['token'])[:12]}>{found['action'] or ''}"
