"""Signed-in sessions in real Chromium: the same person in two browsers (two contexts, so two
cookie jars), the first signs the second out from Security credentials, and the second finds
itself on the sign-in page. Then an administrator's End all sessions. Screenshots of the
section and of the confirmation page (``SCREENSHOT_DIR``)."""

import json
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from identity.policies import services as policies
from tests.browser.conftest import TIMEOUT_MS
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
OWN_SESSIONS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:UpdateLoginProfile",
                "Resource": "arn:aws:iam::*:user/${aws:username}",
            }
        ],
    }
)


def _browser(chromium, live_server, user_agent):
    context = chromium.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 1280, "height": 860},
        user_agent=user_agent,
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page


def _signin_alice(page):
    page.goto("/signin/example-corp")
    page.fill("#id_user_name", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/**")


def test_one_browser_signs_the_other_out(chromium, live_server, shoot, alice):
    policies.inline_policy_put(actor=None, user=alice, name="OwnSessions", document=OWN_SESSIONS)
    first_context, first = _browser(chromium, live_server, FIREFOX)
    second_context, second = _browser(chromium, live_server, IPHONE)
    try:
        _signin_alice(first)
        _signin_alice(second)
        security = reverse("mfa:security_credentials")
        second.goto(security)
        expect(second.locator("h1")).to_have_text("My security credentials")

        first.goto(security)
        section = first.get_by_test_id("browser-sessions")
        expect(section.get_by_role("heading")).to_have_text("Signed-in sessions (2)")
        expect(section.locator("tbody tr")).to_have_count(2)
        this_row = section.locator("tbody tr", has=first.get_by_test_id("this-session"))
        expect(this_row).to_contain_text("Firefox 128 on Linux")
        other_row = section.locator("tbody tr", has_text="Safari 17 on iOS 17")
        expect(other_row).to_contain_text("No")  # MFA used
        section.scroll_into_view_if_needed()
        shoot(first, "browser-sessions-section-en")

        section.get_by_role("link", name="Sign out all other sessions").click()
        expect(first.locator("h1")).to_have_text("Sign out all other sessions?")
        expect(first.locator("main")).to_contain_text("Safari 17 on iOS 17")
        first.locator("main button[type=submit]").click()
        expect(first.locator(".messages")).to_contain_text(
            "All your other sessions were signed out."
        )
        expect(first.get_by_test_id("browser-sessions").locator("tbody tr")).to_have_count(1)

        # The other browser, on its next page, is asked to sign in again.
        second.reload()
        expect(second).to_have_url(re.compile(r"/signin"))
        expect(second.locator("#id_password")).to_be_visible()
        # This one is still signed in.
        first.goto(security)
        expect(first.locator("h1")).to_have_text("My security credentials")
    finally:
        first_context.close()
        second_context.close()


def test_an_administrator_ends_every_session(chromium, live_server, shoot, alice, management_root):
    alice_context, alice_page = _browser(chromium, live_server, IPHONE)
    admin_context, admin = _browser(chromium, live_server, FIREFOX)
    try:
        _signin_alice(alice_page)
        admin.goto("/signin")
        admin.fill("#id_email", "root@example.test")
        admin.fill("#id_password", PASSWORD)
        admin.click("main button[type=submit]")
        admin.wait_for_url("**/console/")

        admin.goto(reverse("console:user_detail", args=[alice.account_id, "alice"]))
        panel = admin.get_by_test_id("user-sessions-panel")
        expect(panel.get_by_role("heading")).to_have_text("Sessions (1)")
        panel.get_by_role("link", name="End all sessions").click()
        expect(admin.locator("h1")).to_have_text("End all sessions of alice?")
        expect(admin.get_by_test_id("user-sessions")).to_contain_text("Safari 17 on iOS 17")
        shoot(admin, "user-sessions-end-en")
        admin.locator("main button[type=submit]").click()
        expect(admin.get_by_test_id("user-sessions-panel").get_by_role("heading")).to_have_text(
            "Sessions (0)"
        )

        alice_page.goto(reverse("mfa:security_credentials"))
        expect(alice_page.locator("#id_password")).to_be_visible()
    finally:
        alice_context.close()
        admin_context.close()
