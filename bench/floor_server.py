"""The floor: bare waitress that only reads the body and checks its HMAC, as the bot's front does.

Run as `python -m bench.floor_server --port N --secret S`; it serves 127.0.0.1 only. `GET /`
answers 200 (readiness); a POST answers 200 `{"ok": true}` when `X-Signature: sha256=<hex>`
matches the body, else 401.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import signal
from collections.abc import Callable, Iterable
from typing import Any

from waitress.server import create_server

from bot.web.front_door_server import guarded_server
from bot.web.server import HTTP_THREADS

OK = b'{"ok": true}'
REFUSED = b'{"error": "invalid signature"}'


def make_app(secret: bytes) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """A WSGI app doing the minimum any signed-webhook endpoint must do."""

    def app(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        ok = environ.get("REQUEST_METHOD") == "GET" or _signed(secret, body, environ)
        answer, status = (OK, "200 OK") if ok else (REFUSED, "401 Unauthorized")
        start(status, [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
        return [answer]

    return app


def _signed(secret: bytes, body: bytes, environ: dict[str, Any]) -> bool:
    """Whether the X-Signature header is `sha256=<hex HMAC-SHA256 of body>`."""
    scheme, _, given = environ.get("HTTP_X_SIGNATURE", "").partition("=")
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return scheme == "sha256" and hmac.compare_digest(given.encode(), expected.encode())


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM or SIGINT, with the server options of `bot.web.server.HttpServer`."""
    parser = argparse.ArgumentParser(prog="python -m bench.floor_server", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--threads", type=int, default=HTTP_THREADS)
    parser.add_argument("--undefended", action="store_true", help="waitress' settings before")
    args = parser.parse_args(argv)
    app = make_app(args.secret.encode())
    # what bot.web.server used before the slow-client defence (bench.slow_clients)
    if args.undefended:
        server: Any = create_server(
            app,
            host="127.0.0.1",
            port=args.port,
            threads=args.threads,
            ident="bench-floor",
            connection_limit=1000,
            channel_timeout=30,
        )
    else:
        server = guarded_server(app, "127.0.0.1", args.port, args.threads, ident="bench-floor")
    signal.signal(signal.SIGTERM, _exit)
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.close()


def _exit(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    main()
