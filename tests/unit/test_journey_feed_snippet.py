"""The feed's HTML snippet reads as a shop's customer would read it."""

from __future__ import annotations

import re
from datetime import date

from bot.web.journey_desk import FeedItem
from bot.web.journey_pages import Pages


def text_of(html: bytes) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html.decode()).split())


def test_a_window_of_one_day_is_said_as_one_date() -> None:
    items = [
        FeedItem("PADS", "Disc pads", date(2026, 12, 9), date(2026, 12, 9)),
        FeedItem("LIGHT", "USB light", date(2026, 12, 9), date(2026, 12, 18)),
    ]
    text = text_of(Pages().feed(items))
    assert "Disc pads (PADS) : ships Wed 9 Dec 2026 USB" in text
    assert "USB light (LIGHT) : ships Wed 9 Dec 2026 to Fri 18 Dec 2026" in text
