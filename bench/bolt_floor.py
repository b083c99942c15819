"""The Slack floor: a bare Bolt app whose `/backorders` listener only acknowledges.

Run as `python -m bench.bolt_floor --port N --secret S --api-url URL`; it serves 127.0.0.1 only,
with the bot's server class and thread count (`bot.web.server.HttpServer`), the bot's Bolt options
(`process_before_response=True`, signature verification on) and the same adapter on the same
path (`POST /slack/events`). `GET /healthz` answers 200 for readiness. Whatever the bot's ack
costs beyond this is the bot's own work: middleware, listener matching, lazy hand-off.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.web.server import HTTP_THREADS, HttpServer

HOST = "127.0.0.1"
PATH = "/slack/events"
OK = b'{"ok": true}'
NOT_FOUND = b'{"error": "not found"}'
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # as `python -m bot` logs

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def build_app(secret: str, api_url: str) -> App:
    """Bolt as the bot configures it, with one listener that acknowledges and does nothing."""
    app = App(
        client=WebClient(token="xoxb-floor", base_url=api_url),
        signing_secret=secret,
        token_verification_enabled=False,
        request_verification_enabled=True,
        process_before_response=True,
        logger=logging.getLogger("slack_bolt"),
    )

    @app.command("/backorders")
    def ack_only(ack: Ack) -> None:
        ack()

    return app


def routes(slack: WSGIApp) -> WSGIApp:
    """`/slack/events` to Bolt, `GET /healthz` answers 200, anything else 404."""

    def app(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == PATH:
            return slack(environ, start)
        found = path == "/healthz" and environ.get("REQUEST_METHOD") == "GET"
        answer, status = (OK, "200 OK") if found else (NOT_FOUND, "404 Not Found")
        start(status, [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
        return [answer]

    return app


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m bench.bolt_floor", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--api-url", required=True, help="a LocalSlack api_url (never called)")
    parser.add_argument("--threads", type=int, default=HTTP_THREADS)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # as `python -m bot` does
    app = routes(SlackRequestHandler(build_app(args.secret, args.api_url)))
    HttpServer(app, HOST, args.port, threads=args.threads).serve_forever()


if __name__ == "__main__":
    main()
