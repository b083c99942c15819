"""Answer time on an idle bot: one command at a time, each waiting for its `respond()` post.

Under the closed-loop load, commands are acknowledged far faster than they are answered, so
the answer latency there is mostly queueing for Bolt's lazy-listener threads. This probe shows
what one answer costs when nothing else is going on, verb by verb.
"""

from __future__ import annotations

import http.client
import random
import time
from collections.abc import Callable
from typing import Any

from bench.loadgen import HOST, REQUEST_TIMEOUT, send
from bench.slack_load import PATH, VERBS, SlashLevel, command_text, signed_command
from bench.slack_report import answer_latency
from bot.console.local_slack import RESPONSE_URL, Call, LocalSlack

ANSWER_TIMEOUT_S = 10.0
MAX_PER_VERB = 100


def _answered(name: str) -> Callable[[list[Call]], bool]:
    """Whether the answer posted to response URL `name` has arrived."""

    def predicate(calls: list[Call]) -> bool:
        return any(c.method == RESPONSE_URL and c.name == name for c in calls)

    return predicate


def probe(level: SlashLevel, slack: LocalSlack, per_verb: int, warmup: int = 1) -> dict[str, Any]:
    """`warmup` unrecorded rounds of every verb, then `per_verb` recorded, sequentially."""
    per_verb = max(0, min(per_verb, MAX_PER_VERB))
    rng = random.Random(level.tag)
    sent: list[list[Any]] = []
    answered: dict[str, float] = {}
    acks: list[float] = []
    conn = http.client.HTTPConnection(HOST, level.port, timeout=REQUEST_TIMEOUT)
    try:
        for n in range((warmup + per_verb) * len(VERBS)):
            verb, name = VERBS[n % len(VERBS)], f"{level.tag}-{n}"
            request = signed_command(level, 0, command_text(verb, level, rng), name)
            at = time.monotonic()
            send(conn, PATH, request)
            acked = time.monotonic()
            try:
                calls = slack.wait_for(_answered(name), ANSWER_TIMEOUT_S)
            except TimeoutError:
                calls = []
            if n < warmup * len(VERBS):
                continue
            sent.append([name, at, verb])
            acks.append(acked - at)
            answered.update({c.name: c.at for c in calls if c.name == name})
    finally:
        conn.close()
    slack.clear()
    acks.sort()
    ack_p50 = 1000 * acks[len(acks) // 2] if acks else 0.0
    return answer_latency(sent, answered) | {"ack_p50_ms": ack_p50, "per_verb": per_verb}
