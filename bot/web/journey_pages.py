"""The journey page and the feed snippet as HTML, from the Jinja2 templates in `templates/`.

Autoescape is on: a product name from the store is text, never markup. The stylesheet is
inlined and allowed by its hash in the Content-Security-Policy, so no script and no other
inline content can run.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, tzinfo
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bot.web.journey_desk import FeedItem, JourneyPage
from domain.order_refs import shown

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
STATES = {"done": "done", "now": "now", "next": "to come"}
ANSWERS = {
    "keep_waiting": "Thank you: your items keep their place in line.",
    "cancel": "Done: what was still waiting is cancelled, and the shop will refund it.",
    "opt_out": "Done: you will get no more emails about this order.",
    "nothing_waiting": "Nothing was waiting for our supplier any more, so nothing is cancelled"
    " by this answer: the items below show where each one is.",
}
ANSWERED_BY = {"nothing_waiting": "cancel"}  # the confirmation and the choice recorded


def _day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def _answer(answered: str | None, choices: frozenset[str]) -> str | None:
    """The confirmation of a choice the order's customer made, never of one only in the URL."""
    if answered is None or ANSWERED_BY.get(answered, answered) not in choices:
        return None
    return ANSWERS.get(answered)


class Pages:
    """Renders pages; safe to share across threads (Jinja2 templates are)."""

    def __init__(self, zone: tzinfo = UTC, folder: Path = TEMPLATES) -> None:
        self.zone = zone  # the shop's: dates as its customers count them
        self.env = Environment(
            loader=FileSystemLoader(folder),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["day"] = _day
        self.css = (folder / "journey" / "journey.css").read_text(encoding="utf-8").strip()
        digest = hashlib.sha256(self.css.encode()).digest()
        self.css_source = f"'sha256-{base64.b64encode(digest).decode()}'"

    def policy(self) -> str:
        """No script, no frames, forms only back to the bot; the stylesheet by its hash."""
        return (
            f"default-src 'none'; style-src {self.css_source}; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'"
        )

    def feed_policy(self) -> str:
        """The snippet may be framed by the shop's page; still no script."""
        return f"default-src 'none'; style-src {self.css_source}; base-uri 'none'"

    def journey(self, page: JourneyPage, choice_action: str, answered: str | None) -> bytes:
        order = page.order
        return self._render(
            "journey/page.html",
            number=shown(order.number),
            first_name=order.first_name,
            placed_on=order.placed_at.astimezone(self.zone).date(),
            order_cancelled=order.cancelled,
            test_order=order.test,
            lines=page.lines,
            states=STATES,
            waiting=0 if order.cancelled else page.waiting,
            set_aside=page.set_aside,
            opted_out=order.opted_out,
            choice_action=choice_action,
            answered=_answer(answered, page.choices),
        )

    def opt_out(self, number: str, action: str, done: bool) -> bytes:
        """The opt-out link's page: one button, or the confirmation once it is pressed."""
        return self._render("journey/opt_out.html", number=shown(number), action=action, done=done)

    def not_found(self) -> bytes:
        return self._render("journey/not_found.html")

    def feed(self, items: list[FeedItem]) -> bytes:
        return self._render("journey/feed.html", items=items)

    def _render(self, name: str, **values: object) -> bytes:
        # The stylesheet goes in as written: escaped, its quotes would no longer match the hash
        # the policy allows, and browsers would drop every style. It is our file, not input.
        css = Markup(self.css)
        return self.env.get_template(name).render(css=css, **values).encode()
