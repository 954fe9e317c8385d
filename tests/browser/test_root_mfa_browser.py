"""Root MFA enforcement and hardware tokens, through the real pages in headless Chromium."""

import time
from datetime import timedelta

import pyotp
import pytest

from accounts.mfa.models import RootMFAPrompt
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
    assert page.is_checked("input[name=scope][value=management]")
    assert page.input_value("#id_grace_days") == "35"
    page.click("button:has-text('Schedule')")
    assert "Root MFA enforcement was scheduled from" in page.content()
    row = page.locator(f"tr[data-account='{management_root.account_id}']")
    assert "grace period starts at the next sign-in" in row.inner_text()
    assert "Not enforced" in page.locator(f"tr[data-account='{member_account.id}']").inner_text()
    shoot(page, "root-mfa-en")

    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/signin")
    sign_in_root(page)
    page.wait_for_url("**/mfa/required")
    assert "35 days left" in page.locator("[data-testid=days-left]").inner_text()
    shoot(page, "root-mfa-prompt-en")
    page.goto("/console/")
    assert "/mfa/required" in page.url  # nothing else opens before the choice
    page.click("button:has-text('Remind me later')")
    page.wait_for_url("**/console/")

    # The grace period runs out.
    RootMFAPrompt.objects.filter(account_id=management_root.account_id).update(
        first_prompted_at=RootMFAPrompt.objects.get().first_prompted_at - timedelta(days=36)
    )
    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/signin")
    sign_in_root(page)
    page.wait_for_url("**/mfa/required")
    assert "The grace period ended" in page.content()
    assert page.locator("text=Remind me later").count() == 0
    shoot(page, "root-mfa-prompt-overdue-en")
    page.goto("/console/")
    assert "/mfa/required" in page.url
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    assert page.locator("h1").inner_text() == "ルートユーザーには MFA が必要です"
    shoot(page, "root-mfa-prompt-overdue-ja")
    page.click("text=MFA デバイスの割り当て")
    page.wait_for_url("**/mfa/assign")


def test_an_administrator_imports_a_hardware_token(page, shoot, management_root, alice):
    sign_in_root(page)
    page.wait_for_url("**/console/")
    page.goto(f"/console/accounts/{alice.account_id}/users/alice/")
    page.click("text=Assign a hardware TOTP token")
    page.wait_for_url("**/mfa/hardware")
    assert page.input_value("#id_name") == "alice-token"
    seed = pyotp.random_base32(32)
    token = pyotp.TOTP(seed)
    page.fill("#id_serial", "GAKT000A1B2C")
    page.fill("#id_seed", seed)
    page.fill("#id_code1", token.at(time.time() - 30))
    page.fill("#id_code2", token.at(time.time() - 30))  # the same code twice: refused
    page.click("button:has-text('Assign token')")
    assert "Enter two different codes" in page.content()
    assert page.input_value("#id_seed") == seed  # nothing typed is lost
    shoot(page, "user-mfa-hardware-error-en")
    page.fill("#id_code1", token.at(time.time() - 30))
    page.fill("#id_code2", token.now())
    page.click("button:has-text('Assign token')")
    page.wait_for_url("**/users/alice/")
    assert "Hardware TOTP token GAKT000A1B2C was assigned to alice." in page.content()
    assert "GAKT000A1B2C" in page.locator("table").first.inner_text()
    shoot(page, "user-detail-hardware-en")


def test_the_management_root_removes_a_member_roots_mfa(
    page, shoot, management_root, member_account
):
    import base64

    import pyotp

    from accounts.mfa import services as mfa_services
    from accounts.mfa.models import MFADevice, VirtualMFADevice
    from tests.conftest import root_of

    device, key = mfa_services.virtual_mfa_device_create(user=management_root, name="boss-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    member_root = root_of(member_account)
    lost, _key = mfa_services.virtual_mfa_device_create(user=member_root, name="prod-root-app")
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
