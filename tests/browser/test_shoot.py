"""The screenshot helper asks Chromium again after its transient refusal, and only after that."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError


class _Page:
    """Refuses the first ``refusals`` captures with ``message``, then writes a picture."""

    def __init__(self, refusals: int, message: str = "Unable to capture screenshot"):
        self.refusals = refusals
        self.message = message
        self.calls = 0

    def screenshot(self, path: str, full_page: bool) -> None:
        self.calls += 1
        if self.calls <= self.refusals:
            raise PlaywrightError(f"Page.screenshot: Protocol error: {self.message}")
        with open(path, "wb") as picture:
            picture.write(b"\x89PNG" + b"\0" * 6_000)

    def wait_for_timeout(self, milliseconds: float) -> None:
        pass


def test_a_transient_refusal_is_asked_again(shoot):
    page = _Page(refusals=2)
    assert shoot(page, "retried").stat().st_size > 5_000
    assert page.calls == 3


def test_a_third_refusal_fails(shoot):
    page = _Page(refusals=3)
    with pytest.raises(PlaywrightError, match="Unable to capture"):
        shoot(page, "refused")
    assert page.calls == 3


def test_other_errors_are_not_retried(shoot):
    page = _Page(refusals=1, message="Target page, context or browser has been closed")
    with pytest.raises(PlaywrightError, match="closed"):
        shoot(page, "closed")
    assert page.calls == 1
