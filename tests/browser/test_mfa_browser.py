"""Register an authenticator app through the real page, sign out, sign in with password + code."""

import time

import pyotp
import pytest

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
    assert page.input_value("#id_name") == "alice-app"
    shoot(page, "mfa-assign-en")
    page.click("button:has-text('Next')")
    page.wait_for_url("**/enable")
    assert page.locator("[data-testid=qr] svg").is_visible()
    assert not page.locator("[data-testid=secret]").is_visible()  # shown on demand only
    page.click("text=Show secret key")
    secret = page.locator("[data-testid=secret]").inner_text().strip()
    shoot(page, "mfa-enable-en")

    app = pyotp.TOTP(secret)
    page.fill("#id_code1", app.now())
    page.fill("#id_code2", next_step_code(app))
    page.click("button:has-text('Add MFA')")
    page.wait_for_url("**/security-credentials")
    assert "MFA device alice-app was assigned." in page.content()
    shoot(page, "security-credentials-mfa-en")

    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/signin")
    page.goto("/signin/example-corp")
    page.fill("#id_user_name", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/mfa")
    assert page.locator("h1").inner_text() == "Additional verification required"
    shoot(page, "signin-mfa-en")
    page.fill("#id_code", next_step_code(app))  # the enabling code's step is spent
    page.click("button:has-text('Verify')")
    page.wait_for_url("**/console/")
