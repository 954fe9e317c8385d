"""Register an authenticator app through the real page, sign out, sign in with password + code."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_step_code(app: pyotp.TOTP) -> str:
    """The code of the next 30-second step, waiting for it (two consecutive codes are needed)."""
    now = time.time()
    time.sleep(30 - now % 30 + 0.5)
    return app.now()


def test_authenticator_app_from_registration_to_sign_in(page, shoot, alice):
    page.goto("/signin/example-corp")
    page.fill("#id_user_name", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")

    page.goto("/security-credentials")
    shoot(page, "security-credentials-no-mfa-en")
    page.click("text=Assign MFA device")
    expect(page.locator("#id_name")).to_have_value("alice-app")
    shoot(page, "mfa-assign-en")
    page.click("button:has-text('Next')")
    page.wait_for_url("**/enable")
    expect(page.locator("[data-testid=qr] svg")).to_be_visible()
    secret_key = page.locator("[data-testid=secret]")
    expect(secret_key).to_be_hidden()  # shown on demand only
    page.click("text=Show secret key")
    expect(secret_key).to_be_visible()
    secret = secret_key.inner_text().strip()
    shoot(page, "mfa-enable-en")

    app = pyotp.TOTP(secret)
    page.fill("#id_code1", app.now())
    page.fill("#id_code2", next_step_code(app))
    page.click("button:has-text('Add MFA')")
    page.wait_for_url("**/security-credentials")
    expect(page.locator(".messages")).to_contain_text("MFA device alice-app was assigned.")
    shoot(page, "security-credentials-mfa-en")

    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(re.compile(r"/signin/example-corp$"))  # her account's sign-in page
    page.goto("/signin/example-corp")
    page.fill("#id_user_name", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/mfa")
    expect(page.locator("h1")).to_have_text("Additional verification required")
    shoot(page, "signin-mfa-en")
    page.fill("#id_code", next_step_code(app))  # the enabling code's step is spent
    page.click("button:has-text('Verify')")
    page.wait_for_url("**/console/")
