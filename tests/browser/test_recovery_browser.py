"""Recovery codes in real Chromium: generate, lose the device, sign in with a code, see the banner."""

import base64
import re

import pyotp
import pytest
from playwright.sync_api import expect

from mfa.models import VirtualMFADevice
from mfa.totp import services as totp_services
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page):
    page.goto("/signin/example-corp")
    page.fill("#id_user_name", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_sign_in_with_a_recovery_code(page, shoot, alice):
    device, key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    app = pyotp.TOTP(base64.b32encode(key).decode())
    sign_in(page)
    page.wait_for_url("**/mfa")
    page.fill("#id_code", app.now())
    page.click("button:has-text('Verify')")
    page.wait_for_url("**/console/")
    page.goto("/security-credentials")
    page.click("text=Generate recovery codes")
    page.wait_for_url("**/recovery-codes")
    shoot(page, "recovery-codes-en")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Generate recovery codes')")
    shown = page.locator("[data-testid=codes] code")
    expect(shown).to_have_count(10)
    codes = [c.strip() for c in shown.all_inner_texts()]
    assert len(codes) == 10
    shoot(page, "recovery-codes-shown-en")
    page.click("text=I have saved them")
    page.wait_for_url("**/security-credentials")
    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(re.compile(r"/signin/example-corp$"))  # her account's sign-in page

    # The phone with the app is lost.
    sign_in(page)
    page.wait_for_url("**/mfa")
    page.click("text=Troubleshoot MFA")
    page.wait_for_url("**/mfa/troubleshoot")
    expect(page.locator("[data-testid=troubleshoot]")).to_contain_text(
        "Ask an administrator of account example-corp"
    )
    shoot(page, "signin-troubleshoot-en")
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    expect(page.locator("h1")).to_have_text("MFA のトラブルシューティング")
    shoot(page, "signin-troubleshoot-ja")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    page.click("text=Use one of your recovery codes")
    page.wait_for_url("**/mfa?use=recovery#recovery")
    expect(page.locator("#id_recovery_code")).to_be_visible()  # the link opens that part
    page.fill("#id_recovery_code", codes[0])
    shoot(page, "signin-recovery-code-en")
    page.click("button:has-text('Sign in with a recovery code')")
    page.wait_for_url("**/security-credentials*")  # the #recovery fragment may ride along
    banner = page.locator("[data-testid=recovered-banner]")
    expect(banner).to_contain_text("You signed in without your MFA device.")
    expect(page.locator("main")).to_contain_text("9 unused recovery codes.")
    shoot(page, "security-credentials-recovered-en")
    page.goto("/security-credentials/recovery-codes")  # no new codes from this session
    expect(page.locator("[data-testid=recovery-codes-closed]")).to_contain_text(
        "You signed in without an MFA device."
    )
    expect(page.locator("#id_password")).to_have_count(0)
