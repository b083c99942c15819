"""Closed-loop Slack users: signed `/backorders` slash commands, in a process of its own.

Each user keeps one keep-alive connection and sends its next command as soon as the previous
one is acknowledged (the HTTP answer is Slack's ack). Every command is signed just before it is
sent (fresh timestamp, outside the timed span) and names its own response URL, so the answer
the bot later posts there can be matched to the moment the command was sent.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import random
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.loadgen import HOST, JOIN_GRACE, REQUEST_TIMEOUT, ClientLog, Level, summarize
from bot.console.slack_signing import signed_headers, slash_command_body

PATH = "/slack/events"
COMMAND = "/backorders"
VERBS = ("status", "sku", "order", "supplier", "help")
CHANNEL = "C0PURCHASE"
MAX_PER_USER = 200_000  # bound on each user's loop, besides the time window
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class SlashLevel:
    """One measurement: `users` Slack users against `port` for `seconds` after `warmup`."""

    port: int
    users: int
    warmup: float
    seconds: float
    secret: str
    response_prefix: str  # LocalSlack's `response_url("")`; a unique name is appended
    tag: str  # prefix of the response names, unique per level and server
    skus: tuple[str, ...]
    suppliers: tuple[str, ...]
    order_numbers: tuple[int, int]  # first and last seeded order number
    verbs: tuple[str, ...] = VERBS  # cycled through, each user from its own offset
    think_s: float = 0.0  # a user's pause after each ack (0: closed loop on the ack)


@dataclass
class UserLog(ClientLog):
    """A client log plus, per command sent in the window, (response name, sent at, verb), and
    the names of those whose ack carried a reply (the bot was busy: no answer follows those)."""

    sent: list[tuple[str, float, str]] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    total: int = 0  # every command sent, warm-up included


def command_text(verb: str, level: SlashLevel, rng: random.Random) -> str:
    """The text after `/backorders` for one verb, with a random SKU, order or supplier."""
    if verb == "sku":
        return f"sku {rng.choice(level.skus)}"
    if verb == "order":
        return f"order {rng.randint(*level.order_numbers)}"
    if verb == "supplier":
        return f"supplier {rng.choice(level.suppliers)}"
    return verb


def signed_command(level: SlashLevel, user: int, text: str, name: str) -> tuple[bytes, dict]:
    """A slash command body signed now, as Slack would send it."""
    body = slash_command_body(
        COMMAND,
        text,
        user_id=f"UBENCH{user:04d}",
        channel_id=CHANNEL,
        response_url=level.response_prefix + name,
        trigger_id=f"{name}.{level.tag}",  # Slack's is new per command; a repeat is a replay
    ).encode()
    return body, {"Content-Type": FORM, **signed_headers(level.secret, body)}


def send(conn: http.client.HTTPConnection, request: tuple[bytes, dict]) -> tuple[int, bool]:
    """POST one command and read the ack: its status (0: no connection) and whether it carried
    a reply (a plain ack is empty; the bot replies in the ack only to say it is busy)."""
    body, headers = request
    try:
        conn.request("POST", PATH, body, headers)
        response = conn.getresponse()
        answer = response.read()
    except (OSError, http.client.HTTPException):
        conn.close()  # http.client reconnects on the next request
        return 0, False
    return response.status, answer.startswith(b"{") and "text" in json.loads(answer)


def user_loop(level: SlashLevel, user: int, window: tuple[float, float]) -> UserLog:
    """Send until the window closes (or the per-user bound), logging what ends inside it."""
    start, end = window
    rng, log = random.Random(f"{level.tag}-{user}"), UserLog()
    conn = http.client.HTTPConnection(HOST, level.port, timeout=REQUEST_TIMEOUT)
    try:
        for n in range(MAX_PER_USER):
            verb = level.verbs[(user + n) % len(level.verbs)]
            name = f"{level.tag}-{user}-{n}"
            request = signed_command(level, user, command_text(verb, level, rng), name)
            sent = time.monotonic()  # LocalSlack stamps answers on this clock too
            status, busy = send(conn, request)
            done = time.monotonic()
            log.total += 1
            if start <= done <= end:
                log.latencies.append(done - sent)
                log.statuses[status] += 1
                log.sent.append((name, sent, verb))
                if busy:
                    log.busy.append(name)
            if done >= end:
                break
            if level.think_s:
                time.sleep(min(level.think_s, max(0.0, end - done)))
    finally:
        conn.close()
    return log


def run_level(level: SlashLevel) -> dict[str, Any]:
    """All users on threads of this process; the level's summary and what was sent."""
    logs = [UserLog() for _ in range(level.users)]
    start = time.monotonic() + level.warmup
    window = (start, start + level.seconds)

    def work(i: int) -> None:
        logs[i] = user_loop(level, i, window)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(level.users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=level.warmup + level.seconds + JOIN_GRACE)
    plain = Level(level.port, PATH, level.users, level.warmup, level.seconds)
    summary = asdict(summarize(plain, logs, sent=sum(log.total for log in logs)))
    sent = [item for log in logs for item in log.sent]
    return {"summary": summary, "sent": sent, "busy": [name for log in logs for name in log.busy]}


def _child(level: SlashLevel, results: Any) -> None:
    results.put(run_level(level))


def measure(level: SlashLevel) -> dict[str, Any]:
    """Run one level in a fresh process (no GIL shared with the servers or LocalSlack)."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_child, args=(level, results), daemon=True)
    process.start()
    try:
        return results.get(timeout=level.warmup + level.seconds + 2 * JOIN_GRACE)
    finally:
        process.join(timeout=5)
        for end in (process.terminate, process.kill):
            if process.is_alive():
                end()
                process.join(timeout=5)
