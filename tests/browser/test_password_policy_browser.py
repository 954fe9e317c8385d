"""The account's password policy page in Chromium, set from its form; in English and Japanese,
with screenshots (``SCREENSHOT_DIR``)."""

import pytest
from playwright.sync_api import expect

from identity import services
from tests.support.browser import carry_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_set_the_password_policy(page, shoot, live_server, management_root):
    account = management_root.account
    carry_session(page, live_server, user=management_root)
    page.goto(f"/console/accounts/{account.id}/")
    page.get_by_role("main").get_by_role("link", name="Password policy").click()
    policy = page.get_by_test_id("password-policy")
    expect(policy).to_contain_text("This account has no password policy")
    page.get_by_label("Minimum password length").fill("14")
    page.get_by_label("Require at least one number (0–9)").check()
    page.get_by_label("Password expires after (days)").fill("90")
    page.get_by_role("button", name="Save changes").click()
    expect(policy).to_contain_text("At least 14 characters.")
    expect(policy).to_contain_text("It expires after 90 days.")
    shoot(page, "password-policy-en")


def test_the_page_in_japanese(page, shoot, live_server, management_root):
    account = management_root.account
    services.password_policy_set(
        actor=management_root,
        account=account,
        minimum_password_length=14,
        require_symbols=True,
        password_reuse_prevention=5,
    )
    carry_session(page, live_server, user=management_root, language="ja")
    page.goto(f"/console/accounts/{account.id}/password-policy")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_test_id("password-policy")).to_be_visible()
    shoot(page, "password-policy-ja")
