"""`python -m bot run`, with each request profiled by cProfile on the thread that serves it.

`python -m cProfile -m bot run` sees only the main thread, where waitress merely polls sockets;
the requests run on waitress's worker threads. Here every worker thread gets its own profiler,
enabled only while it answers a request, and all are merged into one pstats file on exit.
Usage (the bench's `--profile` does this): `python -m bench.profile_bot OUT.prof`.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from bot.app import build_bot
from bot.config import load_config
from bot.settings import settings_from_env
from bot.web.server import HttpServer

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ThreadProfiles:
    """One cProfile.Profile per serving thread, enabled around each request."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def _mine(self) -> cProfile.Profile:
        profile = getattr(self._local, "profile", None)
        if profile is None:
            profile = self._local.profile = cProfile.Profile()
            with self._lock:
                self._all.append(profile)
        return profile

    def wrap(self, app: WSGIApp) -> WSGIApp:
        """`app`, profiled while it builds its (fully materialised) answer."""

        def profiled(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
            profile = self._mine()
            profile.enable()
            try:
                return list(app(environ, start))
            finally:
                profile.disable()

        return profiled

    def dump(self, path: str) -> None:
        """Merge every thread's profile into one pstats file."""
        with self._lock:
            profiles = list(self._all)
        if not profiles:
            return
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        stats.dump_stats(path)


def main(out: str) -> int:
    """Build the bot as `python -m bot run` does, serve it profiled, dump on SIGTERM."""
    settings = settings_from_env()
    bot = build_bot(settings, load_config(settings.config_path))
    profiles = ThreadProfiles()
    server = HttpServer(profiles.wrap(bot.http), settings.host, settings.port)
    try:
        server.serve_forever()
    finally:
        profiles.dump(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
