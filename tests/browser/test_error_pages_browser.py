"""The 503 and 500 pages, and the CSRF refusal, as a person sees them in English and Japanese."""

import pytest
import redis.exceptions
from playwright.sync_api import expect

from tests.support.browser import sign_in_password

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def failing_console(monkeypatch):
    """The console home fails as a service would: set ``.error`` to what it raises."""

    class Failure:
        error = redis.exceptions.ConnectionError("Error 111 connecting to redis.internal:6379.")

    def fail(*args, **kwargs):
        raise Failure.error

    monkeypatch.setattr("identity.policies.loading.principal_policies", fail)
    return Failure


def in_language(page, language: str) -> None:
    """The sign-in page in ``language``, chosen there as a person would."""
    page.goto("/signin/example-corp")
    if language == "ja":
        page.select_option("#lang-select", "ja")
        expect(page.locator("html")).to_have_attribute("lang", "ja")


def open_console(page, language: str) -> None:
    in_language(page, language)
    sign_in_password(page)
    page.goto("/console/")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_service_down_says_try_again_shortly(page, alice, failing_console, shoot, language):
    open_console(page, language)
    panel = page.get_by_test_id("service-unavailable")
    expect(panel).to_be_visible()
    heading = "しばらくしてからもう一度お試しください" if language == "ja" else "Try again shortly"
    expect(panel.locator("h1")).to_have_text(heading)
    expect(panel).not_to_contain_text("redis.internal")
    expect(page.locator("#lang-select")).to_have_count(0)  # no form that could not be sent
    shoot(page, f"error-503-{language}")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_bug_says_what_to_do_and_what_to_quote(page, alice, failing_console, shoot, language):
    failing_console.error = RuntimeError("a bug")
    if language == "ja":  # chosen on the sign-in page, as a person would
        page.goto("/signin/example-corp")
        page.select_option("#lang-select", "ja")
        expect(page.locator("html")).to_have_attribute("lang", "ja")
    sign_in_password(page)
    page.goto("/console/")
    panel = page.get_by_test_id("server-error")
    expect(panel).to_be_visible()
    expect(panel.locator("p.muted")).to_contain_text("-")  # the request id, to quote
    shoot(page, f"error-500-{language}")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_form_sent_without_its_cookie_says_what_to_do(page, shoot, language):
    in_language(page, language)
    cookies = page.context.cookies()
    page.context.clear_cookies()  # as after a long wait, or a browser that dropped them
    page.context.add_cookies([c for c in cookies if c["name"] == "django_language"])
    page.fill("#id_user_name", "alice")
    page.fill("#id_password", "whatever-it-is-1")
    page.click("button[type=submit]")
    heading = "フォームを送信できませんでした" if language == "ja" else "The form could not be sent"
    expect(page.locator("h1")).to_have_text(heading)
    shoot(page, f"error-403-csrf-{language}")
