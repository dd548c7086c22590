"""A real Chromium driven through Playwright's sync API, one per module.

Playwright's sync API keeps an asyncio loop registered in the test's thread,
so Django would refuse ORM calls from the test (SynchronousOnlyOperation).
DJANGO_ALLOW_ASYNC_UNSAFE lifts that check, but only while a browser test
module runs: other tests keep Django's guard.
"""

import os
from pathlib import Path

import pytest

from tests.browser.pages import VIEWPORTS, PageProblems
from tests.prerequisites import missing_prerequisite

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        missing_prerequisite(f"the browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def open_page(browser, live_server):
    """``open_page(viewport_name)``: a new page of a browser context of that viewport, and its problems."""
    contexts = []

    def _open(viewport_name):
        # An English browser: the site must still answer in Vietnamese.
        context = browser.new_context(locale="en-US", **VIEWPORTS[viewport_name])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page, PageProblems(page)

    yield _open
    for context in contexts:
        context.close()
