"""A person's path through the console in a real browser, in English and Japanese."""

import re

import pytest
from playwright.sync_api import expect

from identity.models import User
from tests.conftest import PASSWORD
from tests.support.browser import carry_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ERIN_PASSWORD = "Erin-First-Pass-2026"
ERIN_NEW_PASSWORD = "Erin-Own-Passphrase-99"


def test_admin_creates_a_user_who_must_change_password_at_first_sign_in(
    page, shoot, management_root
):
    account = management_root.account

    page.goto("/signin")
    shoot(page, "signin-root-en")
    page.fill("#id_email", "root@example.test")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]:has-text('Sign in')")
    expect(page.locator(".alert-error")).to_have_text(
        "Your authentication information is incorrect. Please try again."
    )
    expect(page.locator("#id_email")).to_have_value("root@example.test")  # nothing lost
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url("**/console/")
    expect(page.locator("main")).to_contain_text(account.id)
    shoot(page, "console-home-en")

    page.click(f"a[href='/console/accounts/{account.id}/']")
    expect(page).to_have_url(re.compile(rf"/console/accounts/{account.id}/$"))
    shoot(page, "account-detail-en")
    page.click("text=Create user")
    expect(page).to_have_url(re.compile(r"/users/new$"))
    expect(page.locator(".alert-info")).to_be_visible()  # SSO is recommended for people
    page.fill("#id_name", "erin")
    # Only asked for when it applies: a deferred script hides it once the page has loaded.
    expect(page.locator("#id_password")).to_be_hidden()
    page.check("input[value=custom]")
    page.fill("#id_password", ERIN_PASSWORD)
    expect(page.locator("#id_password_reset_required")).to_be_checked()
    shoot(page, "user-create-en")
    page.click("button[type=submit]:has-text('Create user')")
    page.wait_for_url("**/users/erin/")
    expect(page.locator(".messages")).to_contain_text("User erin was created.")
    shoot(page, "user-detail-en")

    page.goto(f"/console/accounts/{account.id}/users/?q=er")
    expect(page.locator("table.table tbody tr")).to_have_count(1)
    shoot(page, "user-list-en")

    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(re.compile(r"/signin$"))  # a root user's sign-in page

    page.goto("/signin/example-corp")
    expect(page.locator("#id_account")).to_have_value("example-corp")
    shoot(page, "signin-iam-en")
    page.fill("#id_user_name", "erin")
    page.fill("#id_password", ERIN_PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url("**/password/change")
    expect(page.locator("main .alert-warning")).to_contain_text(
        "You must change your password before you continue."
    )
    shoot(page, "change-password-required-en")

    page.goto("/console/")  # nothing else opens yet
    page.wait_for_url("**/password/change")

    page.fill("#id_old_password", ERIN_PASSWORD)
    page.fill("#id_new_password1", ERIN_NEW_PASSWORD)
    page.fill("#id_new_password2", ERIN_NEW_PASSWORD)
    page.click("button[type=submit]:has-text('Change password')")
    page.wait_for_url("**/security-credentials")
    expect(page.locator(".messages")).to_contain_text("Your password has been changed.")
    shoot(page, "security-credentials-en")
    erin = User.objects.get(name="erin")
    assert not erin.password_reset_required and erin.check_password(ERIN_NEW_PASSWORD)


def test_the_console_speaks_japanese(page, shoot, management_root, alice):
    account = management_root.account
    page.goto("/signin")
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("h1")).to_have_text("サインイン")
    shoot(page, "signin-root-ja")

    page.fill("#id_email", "root@example.test")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    shoot(page, "console-home-ja")
    for name, path in (
        ("account-detail-ja", f"/console/accounts/{account.id}/"),
        ("user-list-ja", f"/console/accounts/{account.id}/users/"),
        ("user-create-ja", f"/console/accounts/{account.id}/users/new"),
        ("user-detail-ja", f"/console/accounts/{account.id}/users/alice/"),
        ("user-delete-ja", f"/console/accounts/{account.id}/users/alice/delete"),
        ("user-console-access-ja", f"/console/accounts/{account.id}/users/alice/console-access"),
        ("account-create-ja", "/console/organization/accounts/new"),
        ("events-ja", f"/console/accounts/{account.id}/events/"),
        ("security-credentials-ja", "/security-credentials"),
        ("change-password-ja", "/password/change"),
        ("user-mfa-hardware-ja", f"/console/accounts/{account.id}/users/alice/mfa/hardware"),
        ("root-mfa-ja", "/console/organization/root-mfa"),
        ("scps-ja", "/console/organization/scps"),
        ("policies-ja", f"/console/accounts/{account.id}/policies/"),
        ("policy-create-ja", f"/console/accounts/{account.id}/policies/new"),
        ("aws-policy-ja", f"/console/accounts/{account.id}/policies/aws/IAMReadOnlyAccess"),
        ("user-permissions-ja", f"/console/accounts/{account.id}/users/alice/permissions"),
        ("groups-ja", f"/console/accounts/{account.id}/groups/"),
        (
            "simulator-ja",
            f"/console/accounts/{account.id}/simulator?user=alice&actions=iam%3AListUsers%0Aiam%3AChangePassword&resource=*",
        ),
        ("mfa-assign-ja", "/security-credentials/mfa/assign"),  # last: the test goes on from it
    ):
        response = page.goto(path)
        assert response.status == 200, path
        # The chrome is translated too.
        expect(page.get_by_role("button", name="サインアウト", exact=True)).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("Sign out")
        shoot(page, name)

    page.click("button:has-text('次へ')")  # the assign page: on to the QR code
    page.wait_for_url("**/enable")
    expect(page.locator("h1")).to_have_text("認証アプリケーションの設定")
    shoot(page, "mfa-enable-ja")
    page.click("button:has-text('サインアウト')")
    expect(page).to_have_url(re.compile(r"/signin$"))  # a root user's sign-in page
    page.goto("/signup")
    shoot(page, "signup-ja")

    # The MFA pages that need an enabled device, in Japanese.
    from mfa.models import VirtualMFADevice
    from mfa.totp import services as totp_services

    device, _key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    page.goto("/signin/example-corp")
    page.fill("#id_user_name", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/mfa")
    expect(page.locator("h1")).to_have_text("追加の検証が必要です")
    shoot(page, "signin-mfa-ja")
    page.goto("/signin")  # leave alice's sign-in unfinished; the administrator's pages next
    page.fill("#id_email", "root@example.test")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    response = page.goto(f"/console/accounts/{account.id}/users/alice/mfa/{device.pk}/remove")
    assert response.status == 200
    shoot(page, "user-mfa-remove-ja")
    response = page.goto(f"/console/accounts/{account.id}/users/alice/")
    shoot(page, "user-detail-mfa-ja")


def test_own_mfa_pages_in_japanese(page, shoot, live_server, alice):
    from mfa.totp import services as totp_services

    """A user with a device, signed in through a session made on the server side (its code is unknown here)."""
    from mfa.models import VirtualMFADevice

    device, _key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    carry_session(page, live_server, user=alice, language="ja")
    for name, path in (
        ("security-credentials-mfa-ja", "/security-credentials"),
        ("mfa-resync-ja", f"/security-credentials/mfa/{device.pk}/resync"),
        ("mfa-remove-ja", f"/security-credentials/mfa/{device.pk}/remove"),
        ("mfa-rename-ja", f"/security-credentials/mfa/{device.pk}/rename"),
        ("recovery-codes-ja", "/security-credentials/recovery-codes"),
        ("mfa-passkey-ja", "/security-credentials/mfa/passkey"),
    ):
        response = page.goto(path)
        assert response.status == 200, path
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        expect(page.get_by_role("button", name="サインアウト", exact=True)).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("Sign out")
        shoot(page, name)
