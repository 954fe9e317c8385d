"""The MFA step and the recovery codes page in Chromium (issue 13, items 8 and 14): a code used
moments ago is named as such and the field is emptied; recovery codes say why they are closed."""

import base64
import re

import pyotp
import pytest
from playwright.sync_api import expect

from mfa.models import VirtualMFADevice
from mfa.totp import services as totp_services
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ja_page(chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url, locale="ja-JP", viewport={"width": 1280, "height": 860}
    )
    context.add_cookies([{"name": "django_language", "value": "ja", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def app_for(user) -> pyotp.TOTP:
    device, key = totp_services.virtual_mfa_device_create(user=user, name=f"{user.name}-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    return pyotp.TOTP(base64.b32encode(key).decode())


def password_step(page, user_name: str):
    page.goto("/signin/example-corp")
    page.fill("#id_user_name", user_name)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/mfa$"))


def replay_a_code(page, user_name: str, app: pyotp.TOTP, *, sign_out: str) -> str:
    """Sign in with a code, sign out, sign in again with the same code; the refused code."""
    password_step(page, user_name)
    code = app.now()
    page.fill("#id_code", code)
    page.locator("[data-testid=code-method] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/console/$"))
    page.click(f"button:has-text('{sign_out}')")
    expect(page.locator(f"button:has-text('{sign_out}')")).to_have_count(0)  # signed out
    password_step(page, user_name)
    page.fill("#id_code", code)
    page.locator("[data-testid=code-method] button[type=submit]").click()
    return code


def test_a_code_used_moments_ago_says_so_and_the_field_is_empty(
    page, ja_page, shoot, alice, make_iam_user
):
    replay_a_code(page, "alice", app_for(alice), sign_out="Sign out")
    expect(page.locator("[data-testid=code-method] .alert-error")).to_have_text(
        "This code was already used. Wait for your device to show the next code, then enter it."
    )
    expect(page.locator("#id_code")).to_have_value("")
    expect(page.locator("#id_code")).to_be_focused()
    shoot(page, "signin-mfa-code-already-used-en")

    bob = make_iam_user(name="bob")  # a user of his own: the back-off is per device
    replay_a_code(ja_page, "bob", app_for(bob), sign_out="サインアウト")
    expect(ja_page.locator("[data-testid=code-method] .alert-error")).to_have_text(
        "このコードは既に使用されています。デバイスに次のコードが表示されるまで待ってから、"
        "入力してください。"
    )
    expect(ja_page.locator("#id_code")).to_have_value("")
    shoot(ja_page, "signin-mfa-code-already-used-ja")


def test_recovery_codes_say_why_they_are_closed(page, ja_page, shoot, alice):
    for browser, language in ((page, "en"), (ja_page, "ja")):
        browser.goto("/signin/example-corp")
        browser.fill("#id_user_name", "alice")
        browser.fill("#id_password", PASSWORD)
        browser.click("button[type=submit]")
        expect(browser).to_have_url(re.compile(r"/console/$"))

        browser.goto("/security-credentials")
        panel = browser.locator("[data-testid=recovery-codes]")
        expect(panel.locator("[data-testid=recovery-codes-closed]")).to_be_visible()
        expect(panel.locator("a[href$='/recovery-codes']")).to_have_count(0)
        shoot(browser, f"security-credentials-recovery-codes-closed-{language}")

        browser.goto("/security-credentials/recovery-codes")
        expect(browser.locator("[data-testid=recovery-codes-closed]")).to_be_visible()
        expect(browser.locator("#id_password")).to_have_count(0)
        expect(browser.locator("main a.btn-primary")).to_have_attribute(
            "href", "/security-credentials/mfa/assign"
        )
        shoot(browser, f"recovery-codes-closed-no-device-{language}")

    # With a device, but this session signed in without it.
    app_for(alice)
    page.goto("/security-credentials/recovery-codes")
    expect(page.locator("[data-testid=recovery-codes-closed]")).to_contain_text(
        "You signed in without an MFA device."
    )
    expect(page.locator("#id_password")).to_have_count(0)
    shoot(page, "recovery-codes-closed-no-mfa-session-en")
