"""Root MFA enforcement and hardware tokens, through the real pages in headless Chromium."""

import re
import time
from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import expect

from mfa.models import RootMFAPrompt
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_root(page):
    page.goto("/signin")
    page.fill("#id_email", "root@example.test")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_enforce_root_mfa_then_the_root_user_is_prompted(
    page, shoot, management_root, member_account
):
    sign_in_root(page)
    page.wait_for_url("**/console/")
    page.click("text=Root MFA enforcement")
    page.wait_for_url("**/organization/root-mfa")
    shoot(page, "root-mfa-empty-en")
    expect(page.locator("input[name=scope][value=management]")).to_be_checked()
    expect(page.locator("#id_grace_days")).to_have_value("35")
    page.click("button:has-text('Schedule')")
    expect(page.locator(".messages")).to_contain_text("Root MFA enforcement was scheduled from")
    row = page.locator(f"tr[data-account='{management_root.account_id}']")
    expect(row).to_contain_text("grace period starts at the next sign-in")
    expect(page.locator(f"tr[data-account='{member_account.id}']")).to_contain_text("Not enforced")
    shoot(page, "root-mfa-en")

    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(re.compile(r"/signin$"))  # a root user's sign-in page
    sign_in_root(page)
    page.wait_for_url("**/mfa/required")
    expect(page.locator("[data-testid=days-left]")).to_contain_text("35 days left")
    shoot(page, "root-mfa-prompt-en")
    page.goto("/console/")
    expect(page).to_have_url(re.compile("/mfa/required"))  # nothing else opens before the choice
    page.click("button:has-text('Remind me later')")
    page.wait_for_url("**/console/")

    # The grace period runs out.
    RootMFAPrompt.objects.filter(account_id=management_root.account_id).update(
        first_prompted_at=RootMFAPrompt.objects.get().first_prompted_at - timedelta(days=36)
    )
    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(re.compile(r"/signin$"))
    sign_in_root(page)
    page.wait_for_url("**/mfa/required")
    expect(page.locator("main")).to_contain_text("The grace period ended")
    expect(page.locator("text=Remind me later")).to_have_count(0)
    shoot(page, "root-mfa-prompt-overdue-en")
    page.goto("/console/")
    expect(page).to_have_url(re.compile("/mfa/required"))
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    expect(page.locator("h1")).to_have_text("ルートユーザーには MFA が必要です")
    shoot(page, "root-mfa-prompt-overdue-ja")
    page.click("text=MFA デバイスの割り当て")
    page.wait_for_url("**/mfa/assign")


def test_an_administrator_imports_a_hardware_token(page, shoot, management_root, alice):
    sign_in_root(page)
    page.wait_for_url("**/console/")
    page.goto(f"/console/accounts/{alice.account_id}/users/alice/")
    page.click("text=Assign a hardware TOTP token")
    page.wait_for_url("**/mfa/hardware")
    expect(page.locator("#id_name")).to_have_value("alice-token")
    seed = pyotp.random_base32(32)
    token = pyotp.TOTP(seed)
    page.fill("#id_serial", "GAKT000A1B2C")
    page.fill("#id_seed", seed)
    page.fill("#id_code1", token.at(time.time() - 30))
    page.fill("#id_code2", token.at(time.time() - 30))  # the same code twice: refused
    page.click("button:has-text('Assign token')")
    expect(page.locator("main form")).to_contain_text("Enter two different codes")
    expect(page.locator("#id_seed")).to_have_value(seed)  # nothing typed is lost
    shoot(page, "user-mfa-hardware-error-en")
    page.fill("#id_code1", token.at(time.time() - 30))
    page.fill("#id_code2", token.now())
    page.click("button:has-text('Assign token')")
    page.wait_for_url("**/users/alice/")
    expect(page.locator(".messages")).to_contain_text(
        "Hardware TOTP token GAKT000A1B2C was assigned to alice."
    )
    expect(page.locator("table").first).to_contain_text("GAKT000A1B2C")
    shoot(page, "user-detail-hardware-en")


def test_the_management_root_removes_a_member_roots_mfa(
    page, shoot, management_root, member_account
):
    import base64

    import pyotp

    from mfa.models import MFADevice, VirtualMFADevice
    from mfa.totp import services as totp_services
    from tests.conftest import root_of

    device, key = totp_services.virtual_mfa_device_create(user=management_root, name="boss-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    member_root = root_of(member_account)
    lost, _key = totp_services.virtual_mfa_device_create(user=member_root, name="prod-root-app")
    VirtualMFADevice.objects.filter(pk=lost.pk).update(confirmed=True)

    sign_in_root(page)
    page.wait_for_url("**/mfa")
    page.fill("#id_code", pyotp.TOTP(base64.b32encode(key).decode()).now())
    page.click("button:has-text('Verify')")
    page.wait_for_url("**/console/")
    page.goto(f"/console/accounts/{member_account.id}/")
    page.click("text=Remove the root user's MFA devices")
    page.wait_for_url("**/root-mfa/reset")
    page.fill("#id_confirmation", member_account.id)
    page.fill("#id_password", PASSWORD)
    shoot(page, "account-root-mfa-reset-en")
    page.click("button:has-text('Remove the devices')")
    page.wait_for_url(f"**/accounts/{member_account.id}/")
    assert not MFADevice.objects.filter(user=member_root).exists()
