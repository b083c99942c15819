"""A customer's journey page in a real headless Chromium, at phone width and on a desktop.

Playwright drives the Chromium from the distribution's packages (`apt-get install chromium`, or
CHROMIUM_PATH); it cannot fetch its own browser here. Without Chromium or Playwright the tests
skip with the reason; with CI=true they fail instead, as the PostgreSQL tests do. axe-core
(bundled in the axe-playwright-python wheel) checks accessibility, and any violation fails,
whatever its impact: the page is small and ours, so there is no backlog to tolerate.
Screenshots go to $TEST_ARTIFACTS (default `test-artifacts/` in the repository, ignored by git).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import OrderRow
from tests.e2e.conftest import RunningBot
from tests.support.builders import catalog, delivery, order
from tests.support.databases import IN_CI

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS") or REPO / "test-artifacts")
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
LONG_NAME = "Chainring 52T narrow-wide XTRFCM9100NARROWWIDE52T130BCDANODISEDBLACK"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


def require_browser() -> Any:
    """Playwright's sync API, or a skip saying what to install; in CI a missing one fails."""
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "playwright is not installed: pip install -r requirements-dev.txt"
    if problem is None and CHROMIUM is None:
        problem = "chromium is not installed: apt-get install chromium"
    if problem is None:
        return sync_playwright
    if IN_CI:
        pytest.fail(f"{problem}; CI must run the browser tests", pytrace=False)
    pytest.skip(problem)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = require_browser()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@dataclass
class Troubles:
    """Everything a visitor's browser complained about while the page loaded."""

    seen: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.seen.append(f"page error: {error}"))
        page.on("requestfailed", lambda r: self.seen.append(f"failed: {r.url} {r.failure}"))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        # Chromium reports a Content-Security-Policy refusal as a console error.
        if message.type in ("error", "warning"):
            self.seen.append(f"console {message.type}: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.seen.append(f"{response.status}: {response.url}")


def place_waiting_order(bot: RunningBot) -> str:
    """Ada's order: one line from the shelf, one long-named line waiting for the supplier."""
    bot.bot.backorders.import_catalog(catalog(("TUBE", 3), ("CHAIN", 0, 6)))
    incoming = order("J-1", ("TUBE", 2), ("CHAIN", 2))
    waiting = replace(incoming.lines[1], name=LONG_NAME)
    ada = replace(incoming, lines=(incoming.lines[0], waiting), customer_first_name="Ada")
    bot.bot.backorders.ingest(delivery(ada))
    with bot.bot.database.engine.connect() as conn:
        order_id = conn.execute(select(OrderRow.id)).scalar_one()
    return bot.url + "/o/" + bot.bot.journey.token(order_id)


def visit(browser: Any, url: str, device: dict[str, Any], shot: Path) -> tuple[Any, Troubles]:
    """Open the page as a fresh visitor on `device`, and keep a full-page screenshot."""
    context = browser.new_context(**device)
    page = context.new_page()
    troubles = Troubles()
    troubles.watch(page)
    page.goto(url, wait_until="load")
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    return page, troubles


def accessibility_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_customer_reads_their_orders_journey_in_a_real_browser(
    running_bot: RunningBot, browser: Any, device: str, request: pytest.FixtureRequest
) -> None:
    url = place_waiting_order(running_bot)
    shot = ARTIFACTS / f"journey-{device}-{request.node.callspec.params['database']}.png"
    page, troubles = visit(browser, url, PHONE if device == "phone" else DESKTOP, shot)
    text = page.inner_text("main")
    assert "Hello Ada, here is where your order J-1 is" in text
    assert "Waiting for the supplier" in text and "Expected to ship around" in text
    assert "Ready to ship" in text and LONG_NAME in text
    assert "Do you want to keep waiting?" in text
    assert troubles.seen == []
    # The inline stylesheet applied (the policy let it in): the items sit in rounded cards.
    assert page.eval_on_selector("section.line", "e => getComputedStyle(e).borderRadius") == "8px"
    # On a phone Chromium widens the window to fit what overflows, so innerWidth alone hides it.
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert max(widths) <= page.viewport_size["width"], f"the page scrolls sideways: {widths}"
    assert page.get_by_role("button", name="Send my answer").is_visible()
    assert accessibility_violations(page) == []
    page.context.close()
