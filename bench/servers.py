"""Start the floor and the bot as subprocesses on 127.0.0.1, wait until ready, always stop them."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.loadgen import HOST
from bench.workload import SECRET

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
COMMAND_TIMEOUT = 300.0
SLACK_BOT_TOKEN = "xoxb-bench"
SLACK_SIGNING_SECRET = "bench-signing-secret"


@dataclass(frozen=True)
class Server:
    """A running server process: where it listens and where its output goes."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def bot_env(database_url: str, port: int = 3000) -> dict[str, str]:
    """The bot's environment: this process's, less Slack and the bot's own, plus the bench's."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SMTP_"))}
    for name in ("DATABASE_URL", "BOT_CONFIG", "HOST", "PORT"):
        keep.pop(name, None)
    return keep | {
        "DATABASE_URL": database_url,
        "ORDERS_WEBHOOK_SECRET": SECRET,
        "PORT": str(port),
        "HOST": HOST,
        "BOT_CONFIG": str(ROOT / "app.yaml"),
        "PYTHONUNBUFFERED": "1",
    }


def slack_env(api_url: str) -> dict[str, str]:
    """Slack mode over HTTP (no console), its Web API at `api_url` (a `LocalSlack`)."""
    return {
        "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_URL": api_url,
    }


def run_bot_command(args: list[str], env: dict[str, str]) -> str:
    """Run `python -m bot ARGS` to completion (bounded), returning its output or raising."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"python -m bot {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


def ready(port: int, path: str) -> bool:
    """Whether GET `path` answers 200 now."""
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def wait_ready(server: Server, path: str) -> None:
    """Poll `path` until it answers 200; fail if the process dies or READY_TIMEOUT passes."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early; see {server.log}")
        if ready(server.port, path):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} not ready after {READY_TIMEOUT} s; see {server.log}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it does not exit in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def serving(
    name: str, command: list[str], env: dict[str, str], port: int, log: Path, ready_path: str
) -> Iterator[Server]:
    """Start `command`, wait for `ready_path`, yield the server, and always stop it."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
        try:
            server = Server(name, port, process, log)
            wait_ready(server, ready_path)
            yield server
        finally:
            stop(process)


def floor_command(port: int) -> list[str]:
    return [sys.executable, "-m", "bench.floor_server", "--port", str(port), "--secret", SECRET]


def bot_command(profile_to: Path | None) -> list[str]:
    """`python -m bot run`, or the same bot under a per-thread profiler."""
    if profile_to is None:
        return [sys.executable, "-m", "bot", "run"]
    return [sys.executable, "-m", "bench.profile_bot", str(profile_to)]


def with_schema(url: str, schema: str) -> str:
    """`url` with libpq options that put `schema` first on the search path."""
    joiner = "&" if urlsplit(url).query else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


def fresh_schema(url: str, schema: str, create: bool = True) -> None:
    """DROP `schema` on a PostgreSQL server, and CREATE it anew unless `create` is false."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    sa_url = make_url(url).set(drivername="postgresql+psycopg")
    engine = create_engine(sa_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            if create:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()
