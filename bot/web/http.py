"""The HTTP front: store webhooks, health and metrics, as a WSGI app served by waitress."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from bot.metrics import CONTENT_TYPE
from bot.web.refusals import REFUSALS
from domain.model import Delivery, OrderSource
from domain.services import IngestResult, Outcome
from handlers.webhooks import WebhookRejected, parse_generic, parse_shopify, parse_woocommerce

log = logging.getLogger(__name__)

MAX_BODY = 2 * 1024 * 1024  # a Shopify order with hundreds of lines is well under this
StartResponse = Callable[..., Any]
# (body, lower-case headers, secret, now): the store's signature is checked before anything.
Parser = Callable[[bytes, dict[str, str], str | None, datetime], Delivery | None]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

PARSERS: dict[str, tuple[OrderSource, Parser]] = {
    "/webhooks/shopify": (OrderSource.SHOPIFY, parse_shopify),
    "/webhooks/woocommerce": (OrderSource.WOOCOMMERCE, parse_woocommerce),
    "/webhooks/orders": (OrderSource.GENERIC, parse_generic),
}
STATUS_TEXT = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    413: "413 Payload Too Large",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}


def respond(start: StartResponse, status: int, body: bytes, content_type: str) -> list[bytes]:
    start(STATUS_TEXT[status], [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def respond_json(start: StartResponse, status: int, payload: dict[str, Any]) -> list[bytes]:
    return respond(start, status, json.dumps(payload).encode(), "application/json")


def read_body(environ: dict[str, Any]) -> bytes | None:
    """The raw request body, or None when it is larger than MAX_BODY."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY:
        return None
    return environ["wsgi.input"].read(length) if length else b""


def lower_headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k[:5] == "HTTP_"}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers


class WebhookEndpoint:
    """Verify, parse and ingest one store delivery; answer only once it is stored."""

    def __init__(
        self,
        ingest: Callable[[Delivery], IngestResult],
        secrets: dict,
        metrics: Any,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.ingest = ingest
        self.secrets = secrets
        self.metrics = metrics
        self.clock = clock  # the bot's clock bounds how far ahead an order may be dated

    def __call__(self, environ: dict[str, Any], start: StartResponse) -> list[bytes]:
        source, parse = PARSERS[environ["PATH_INFO"]]
        started = time.perf_counter()
        try:
            return self._handle(source, parse, environ, start)
        finally:
            seconds = time.perf_counter() - started
            _after_answer(lambda: self._observe(source, seconds))

    def _handle(
        self, source: OrderSource, parse: Parser, environ: dict[str, Any], start: StartResponse
    ) -> list[bytes]:
        body = read_body(environ)
        if body is None:
            REFUSALS.refused(environ, 413, f"body is larger than {MAX_BODY} bytes")
            return respond_json(start, 413, {"error": f"body is larger than {MAX_BODY} bytes"})
        try:
            delivery = parse(body, lower_headers(environ), self.secrets.get(source), self.clock())
        except WebhookRejected as rejected:
            outcome = "unauthorized" if rejected.status == 401 else "invalid"
            self.metrics.deliveries.labels(source.value, outcome).inc()
            REFUSALS.refused(environ, rejected.status, rejected.message)
            return respond_json(start, rejected.status, {"error": rejected.message})
        if delivery is None:
            self.metrics.deliveries.labels(source.value, "ping").inc()
            return respond_json(start, 200, {"ok": True, "ping": True})
        result = self.ingest(delivery)
        # Stored and committed: nothing after this may turn the answer into "not stored".
        _after_answer(lambda: self._count(source, result))
        return respond_json(start, 200, _answer(result))

    def _observe(self, source: OrderSource, seconds: float) -> None:
        self.metrics.webhook_seconds.labels(source.value).observe(seconds)

    def _count(self, source: OrderSource, result: IngestResult) -> None:
        self.metrics.deliveries.labels(source.value, result.outcome.value).inc()
        if result.created:
            self.metrics.orders.labels(source.value).inc()
        if result.newly_waiting:
            self.metrics.backordered_units.labels(source.value).inc(result.newly_waiting)


def _after_answer(step: Callable[[], object]) -> None:
    """Run bookkeeping that must not change the answer: a failure is logged, not raised."""
    try:
        step()
    except Exception:
        log.exception("webhook bookkeeping failed after the delivery was answered")


def _answer(result: IngestResult) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "ok": True,
        "outcome": result.outcome.value,
        "order": result.order_number,
    }
    if result.outcome is Outcome.APPLIED:
        answer["backordered_units"] = result.newly_waiting
        answer["unplaced_lines"] = [
            {"line": u.line_ref, "sku": u.sku, "problem": u.issue.value} for u in result.unplaced
        ]
    return answer


class HttpApp:
    """Routes requests; an unexpected error is logged and answered 500 without a stack trace."""

    def __init__(
        self,
        webhooks: WebhookEndpoint,
        health: Callable[[], tuple[bool, dict[str, Any]]],
        metrics: Callable[[], bytes],
        extra_routes: dict[str, WSGIApp] | None = None,
        metrics_token: str | None = None,
        prefix_routes: dict[str, WSGIApp] | None = None,
    ) -> None:
        self.webhooks = webhooks
        self.prefix_routes = prefix_routes or {}  # "/o/": a customer's page, checked there
        self.health = health
        self.metrics = metrics
        self.metrics_token = metrics_token
        self.extra_routes = extra_routes or {}

    def __call__(self, environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        try:
            return self._route(environ, start)
        except Exception:
            log.exception(
                "error answering %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
            )
            return respond_json(
                start, 500, {"error": "internal error; nothing was stored, please retry"}
            )

    def _route(self, environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path in PARSERS:
            return self._only("POST", method, start) or self.webhooks(environ, start)
        if path == "/healthz":
            ok, details = self.health()
            return self._only("GET", method, start) or respond_json(
                start, 200 if ok else 503, details
            )
        if path == "/metrics":
            # The token first: nothing is read or computed for a caller without it.
            return (
                refuse_bearer(environ, start, self.metrics_token)
                or self._only("GET", method, start)
                or respond(start, 200, self.metrics(), CONTENT_TYPE)
            )
        if path in self.extra_routes:
            return self.extra_routes[path](environ, start)
        for prefix, app in self.prefix_routes.items():
            if path.startswith(prefix):
                return app(environ, start)
        return respond_json(start, 404, {"error": f"no such endpoint: {path}"})

    @staticmethod
    def _only(allowed: str, method: str, start: StartResponse) -> list[bytes] | None:
        if method == allowed or (allowed == "GET" and method == "HEAD"):
            return None
        start(STATUS_TEXT[405], [("Allow", allowed), ("Content-Type", "application/json")])
        return [json.dumps({"error": f"use {allowed}"}).encode()]


def refuse_bearer(
    environ: dict[str, Any], start: StartResponse, token: str | None
) -> list[bytes] | None:
    """A 401 unless the request carries `Authorization: Bearer <token>` (no token: open)."""
    if token is None:
        return None
    scheme, _, given = environ.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    # Digests first, so the comparison takes as long whatever the length of the guess.
    wanted = hashlib.sha256(token.encode()).digest()
    if scheme.lower() == "bearer" and hmac.compare_digest(
        hashlib.sha256(given.strip().encode()).digest(), wanted
    ):
        return None
    REFUSALS.refused(environ, 401, "no or wrong METRICS_TOKEN")
    body = json.dumps({"error": "send Authorization: Bearer <METRICS_TOKEN>"}).encode()
    challenge = 'Bearer realm="metrics"' + (', error="invalid_token"' if given else "")
    headers = [("WWW-Authenticate", challenge), ("Content-Type", "application/json")]
    start(STATUS_TEXT[401], [*headers, ("Content-Length", str(len(body)))])
    return [body]
