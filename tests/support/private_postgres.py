"""A PostgreSQL server of the test's own (initdb and pg_ctl, a temporary data folder, a free
port on 127.0.0.1), so a test may stop and start it; the machine's server is never touched.

PostgreSQL refuses to run as root: as root the commands run as the `postgres` user."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.bot_process import free_port
from tests.support.databases import IN_CI

BIN = Path("/usr/local/bin")
OWNER = "postgres"


def _as_owner() -> list[str]:
    return ["runuser", "-u", OWNER, "--"] if os.geteuid() == 0 else []


def _initdb() -> Path | None:
    for found in (BIN / "initdb", shutil.which("initdb")):
        if found and Path(found).exists():
            return Path(found)
    return None


def require_initdb() -> Path:
    """initdb's path; skip without it on a laptop, fail in CI (CI=true), which must run this."""
    initdb = _initdb()
    if initdb is not None:
        return initdb
    problem = "no initdb in /usr/local/bin or on PATH: cannot start a private PostgreSQL"
    if IN_CI:
        pytest.fail(f"{problem}; CI must run the database outage tests", pytrace=False)
    pytest.skip(problem)


@dataclass
class PrivatePostgres:
    data: Path
    port: int
    pg_ctl: Path

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{OWNER}@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        command = [*_as_owner(), str(self.pg_ctl), "-D", str(self.data), "-w", "-t", "30", *args]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-l", str(self.data / "server.log"), "-o", options, "start")

    def stop(self) -> None:
        """`pg_ctl stop -m fast`: sessions are cut, nothing is lost that was committed."""
        self._ctl("-m", "fast", "stop")

    def log(self) -> str:
        path = self.data / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A fresh server, started; stopped and removed afterwards."""
    initdb = require_initdb()
    folder = Path(tempfile.mkdtemp(prefix="bb-private-pg-"))
    data = folder / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, OWNER)
        shutil.chown(data, OWNER)
    init = [*_as_owner(), str(initdb), "-D", str(data), "-U", OWNER, "-A", "trust", "--no-sync"]
    subprocess.run(init, check=True, capture_output=True, timeout=120)
    server = PrivatePostgres(data, free_port(), initdb.with_name("pg_ctl"))
    server.start()
    try:
        yield server
    finally:
        with suppress(subprocess.CalledProcessError):  # already stopped
            server._ctl("-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)
