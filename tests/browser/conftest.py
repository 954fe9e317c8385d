"""Headless Chromium (Debian's package) driven by Playwright against the live server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.support.twilio import twilio_standin  # noqa: F401 - a fixture

# On a busy machine a page can take seconds: actions and expect(...) both wait this long.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: bin/test installs Debian's chromium"
    # Playwright's sync API keeps an event loop in this thread for the whole
    # session; the ORM calls the tests and fixtures make between browser steps
    # (and the database flush after each test) are still plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 860}
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture
def shoot(tmp_path):
    """Save a full-page screenshot; to $SCREENSHOT_DIR when set, so people can look at them."""
    directory = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = directory / f"{name}.png"
        # Chromium now and then refuses one capture ("Unable to capture screenshot") and takes
        # the same picture when asked again (MarketSquare/robotframework-browser#5237): ask up to
        # three times for that error only; any other error, or a third refusal, fails the test.
        for attempt in range(3):
            try:
                page.screenshot(path=str(path), full_page=True)
                break
            except PlaywrightError as error:
                if "Unable to capture screenshot" not in str(error) or attempt == 2:
                    raise
                page.wait_for_timeout(250)
        assert path.stat().st_size > 5_000  # a rendered page, not a blank one
        return path

    return take
