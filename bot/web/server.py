"""Serving the WSGI app with waitress, a production server, in this process."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from bot.web.front_door_server import guarded_server

log = logging.getLogger(__name__)

HTTP_THREADS = 8


class HttpServer:
    """A waitress server that can run in the foreground or on a thread (tests, benchmarks)."""

    def __init__(self, app: Any, host: str, port: int, threads: int = HTTP_THREADS) -> None:
        self._closed = False
        # Deadlines, a per-client cap and poll(): slow clients cannot hold every slot.
        self._server = guarded_server(app, host, port, threads, ident="backorder-bot")

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[union-attr]

    def serve_forever(self) -> None:
        """Serve until SIGTERM or SIGINT, then close the listening socket."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop_on_signal)
        try:
            self._server.run()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.close()

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self._run_until_closed, name="http", daemon=True)
        thread.start()
        return thread

    def _run_until_closed(self) -> None:
        try:
            self._server.run()
        except OSError:
            if not self._closed:  # closing the socket under the loop ends it this way
                raise

    def close(self) -> None:
        self._closed = True
        self._server.close()

    def _stop_on_signal(self, signum: int, _frame: Any) -> None:
        log.info("signal %s: stopping", signum)
        raise SystemExit(0)
