"""Customer emails and Slack messages through the bot's outbox workers (Slack's, and the mail
server's and stores'), at an SMTP server's pace: how fast the emails go, and whether the Slack
messages queued meanwhile wait for them; beside the one worker for every channel there was
before.

Used by `bench.customer_notices`; see bench/README.md.
"""

from __future__ import annotations

import asyncio
import shutil
import smtplib
import socket
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from bot.app import Bot, build_bot
from bot.config import AppConfig
from bot.console.local_slack import LocalSlack
from bot.console.local_slack_calls import Call
from bot.delivery.customer_notices import CustomerLetters, CustomerMail
from bot.delivery.email_delivery import EmailDelivery, SmtpSettings
from bot.delivery.legacy import POST
from bot.delivery.outbox_worker import OutboxWorker
from bot.facade import utc_now
from bot.settings import settings_from_env
from domain.notifications import Notice
from storage.db import Database, connect
from storage.outbox import EVERY
from storage.unit_of_work import SqlUnitOfWork

SLACK_EVERY_S = 0.5  # one Slack message queued every half second...
SLACK_CHANNELS = 4  # ...round the channels, so each gets one every 2 s, inside the 1 s pace
DRAIN_S = 5.0


class PacedInbox:
    """An SMTP server's DATA handler that takes `pace_s` per message, counting arrivals."""

    def __init__(self, pace_s: float) -> None:
        self.pace_s = pace_s
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.pace_s)
        self.count += 1
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def workers_as_wired(bot: Bot) -> list[OutboxWorker]:
    return bot.workers


def one_worker_before(bot: Bot) -> list[OutboxWorker]:
    """As before 61a0056: one worker thread for every channel, each paced like Slack."""
    assert bot.worker is not None
    slack = bot.worker
    every = OutboxWorker(
        slack.store,
        slack.deliver,
        slack.clock,
        pace_s=slack.pace_s,
        home_channel=slack.home_channel,
        permanent=slack.permanent,
        on_first_failure=slack.on_first_failure,
        ready=slack.ready,
        served=EVERY,
    )
    return [every]


VARIANTS: dict[str, Callable[[Bot], list[OutboxWorker]]] = {
    "as wired (Slack worker + mail worker)": workers_as_wired,
    "before: one worker, every channel paced": one_worker_before,
}


class SlackTimes:
    """When each bench Slack message was queued (committed) and when the local Slack got it."""

    def __init__(self) -> None:
        self.queued: dict[str, float] = {}
        self.received: dict[str, float] = {}
        self.lock = threading.Lock()

    def on_call(self, call: Call) -> None:
        text = str(call.params.get("text", ""))
        if call.method == "chat.postMessage" and text.startswith("bench-slack "):
            with self.lock:
                self.received.setdefault(text, call.at)

    def latencies_ms(self) -> list[float]:
        with self.lock:
            return sorted(
                (self.received[t] - q) * 1000 for t, q in self.queued.items() if t in self.received
            )


def queue_slack(database: Database, run: str, times: SlackTimes, stop: threading.Event) -> None:
    """Slack messages queued as the bot's use cases queue them: an outbox row per commit."""
    n = 0
    while not stop.wait(SLACK_EVERY_S):
        text = f"bench-slack {run} {n}"
        facts = {"text": text, "blocks": []}
        notice = Notice(POST, f"C0BENCH{n % SLACK_CHANNELS}", facts, f"bench:{run}:{n}")
        with SqlUnitOfWork(database) as uow:
            uow.outbox.add(notice, utc_now())
            uow.commit()
        with times.lock:
            times.queued[text] = time.monotonic()
        n += 1


def one_run(
    label: str,
    variant: str,
    database: Database,
    env: dict[str, str],
    config: AppConfig,
    slack: SlackTimes,
    inbox: PacedInbox,
    window: float,
) -> dict[str, Any]:
    """The bot's worker(s) for `window` seconds while Slack messages are queued."""
    bot = build_bot(settings_from_env(env), config, utc_now, database)
    workers = VARIANTS[variant](bot)
    stop = threading.Event()
    queuer = threading.Thread(target=queue_slack, args=(database, label, slack, stop))
    emails_before, start = inbox.count, time.monotonic()
    for worker in workers:
        worker.start()
    queuer.start()
    time.sleep(window)
    stop.set()
    queuer.join()
    emails, elapsed = inbox.count - emails_before, time.monotonic() - start
    deadline = time.monotonic() + DRAIN_S
    while len(slack.received) < len(slack.queued) and time.monotonic() < deadline:
        time.sleep(0.05)
    for worker in workers:
        worker.stop()
    latencies = slack.latencies_ms()
    return {
        "emails": emails,
        "emails_per_s": emails / elapsed,
        "slack_queued": len(slack.queued),
        "slack_sent": len(latencies),
        "slack_p50_ms": statistics.median(latencies) if latencies else None,
        "slack_p99_ms": _p99(latencies),
        "slack_max_ms": max(latencies, default=None),
    }


def _p99(values: list[float]) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]


def bare_smtp(url: str, database: Database, config: AppConfig, window: float) -> dict[str, Any]:
    """The floor: one of the bot's customer letters, built once, sent again and again with
    bare smtplib, a connection per message as the bot does."""
    letters = CustomerLetters(database, config, lambda order_id: f"http://localhost/o/{order_id}")
    first = (
        database.engine.connect()
        .exec_driver_sql("SELECT min(id) FROM customer_notices")
        .scalar_one()
    )
    settings = SmtpSettings.from_url(url)
    message = CustomerMail(EmailDelivery(settings), config).message(
        letters.letter(letters.notice(int(first)), utc_now())
    )
    sent, start = 0, time.monotonic()
    while time.monotonic() - start < window:
        with smtplib.SMTP(settings.host, settings.port, timeout=15) as smtp:
            smtp.send_message(message)
        sent += 1
    return {"emails": sent, "emails_per_s": sent / (time.monotonic() - start)}


def run_all(
    run_db: Database,
    seeded: Path,
    config: AppConfig,
    pace_s: float,
    window: float,
    slow_s: float = 0.0,
) -> dict[str, Any]:
    """Slack alone on an idle copy, then each way with the email backlog (at the SMTP server's
    pace, then at a slow server's), and the floor."""
    inbox = PacedInbox(pace_s)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=5)
    controller.start()
    url = f"smtp://127.0.0.1:{port}?from=backorders@shop.example"
    idle_path = seeded.with_name("idle.db")
    shutil.copy(seeded, idle_path)
    idle_db = connect(f"sqlite:///{idle_path}")
    results: dict[str, Any] = {"smtp_pace_s": pace_s, "slow_s": slow_s, "window_s": window}
    results["runs"] = {}
    plan = [("Slack alone (no email waiting)", idle_db, next(iter(VARIANTS)), pace_s)]
    plan += [(f"email backlog, {v}", run_db, v, pace_s) for v in VARIANTS]
    if slow_s:
        slow = f"slow SMTP ({slow_s * 1000:.0f} ms)"
        plan += [(f"{slow}, {v}", run_db, v, slow_s) for v in VARIANTS]
    try:
        with LocalSlack(on_call=lambda call: times.on_call(call)) as local:
            env = {
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": "bench-signing-secret",
                "SLACK_API_URL": local.api_url,
                "SMTP_URL": url,
                "JOURNEY_SECRET": "bench-journey-secret-bench-journey-secret",
            }
            for label, database, variant, pace in plan:
                times, inbox.pace_s = SlackTimes(), pace
                print(f"delivery: {label} ({window:.0f} s)", flush=True)
                run = one_run(label, variant, database, env, config, times, inbox, window)
                results["runs"][label] = run | {"smtp_pace_s": pace}
        inbox.pace_s = pace_s
        results["floor"] = bare_smtp(url, run_db, config, min(window, 5.0))
    finally:
        controller.stop()
        idle_db.dispose()
    return results


def delivery_table(results: dict[str, Any]) -> list[str]:
    pace = results["smtp_pace_s"]
    floor_rate = results["floor"]["emails_per_s"]
    out = [
        f"SMTP server pace {pace * 1000:.0f} ms per message; floor: bare smtplib, a connection"
        f" per message: {floor_rate:.1f} emails/s (/ floor: at that pace)",
        "",
        "| run | emails/s | / floor | Slack sent / queued | Slack p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in results["runs"].items():
        # at the slow pace there is no floor run: the share of 1 / pace stands in for it
        slow = r["smtp_pace_s"] != pace
        ratio = r["emails_per_s"] * r["smtp_pace_s"] if slow else r["emails_per_s"] / floor_rate
        out.append(
            f"| {label} | {r['emails_per_s']:.1f} | {ratio:.2f}{' of pace' if slow else ''} |"
            f" {r['slack_sent']} / {r['slack_queued']} | {_ms(r['slack_p50_ms'])} |"
            f" {_ms(r['slack_p99_ms'])} | {_ms(r['slack_max_ms'])} |"
        )
    return out


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"
