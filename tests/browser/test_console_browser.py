"""A person's path through the console in a real browser, in English and Japanese."""

import pytest

from identity.models import User
from tests.conftest import PASSWORD

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
    assert page.locator(".alert-error").inner_text().strip() == (
        "Your authentication information is incorrect. Please try again."
    )
    assert page.input_value("#id_email") == "root@example.test"  # nothing lost
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url("**/console/")
    assert account.id in page.content()
    shoot(page, "console-home-en")

    page.click(f"a[href='/console/accounts/{account.id}/']")
    shoot(page, "account-detail-en")
    page.click("text=Create user")
    assert page.locator(".alert-info").is_visible()  # SSO is recommended for people
    page.fill("#id_name", "erin")
    assert not page.is_visible("#id_password")  # only asked for when it applies
    page.check("input[value=custom]")
    page.fill("#id_password", ERIN_PASSWORD)
    assert page.is_checked("#id_password_reset_required")
    shoot(page, "user-create-en")
    page.click("button[type=submit]:has-text('Create user')")
    page.wait_for_url("**/users/erin/")
    assert "User erin was created." in page.content()
    shoot(page, "user-detail-en")

    page.goto(f"/console/accounts/{account.id}/users/?q=er")
    assert page.locator("table.table tbody tr").count() == 1
    shoot(page, "user-list-en")

    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/signin")

    page.goto("/signin/example-corp")
    assert page.input_value("#id_account") == "example-corp"
    shoot(page, "signin-iam-en")
    page.fill("#id_user_name", "erin")
    page.fill("#id_password", ERIN_PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url("**/password/change")
    assert "You must change your password before you continue." in page.content()
    shoot(page, "change-password-required-en")

    page.goto("/console/")  # nothing else opens yet
    page.wait_for_url("**/password/change")

    page.fill("#id_old_password", ERIN_PASSWORD)
    page.fill("#id_new_password1", ERIN_NEW_PASSWORD)
    page.fill("#id_new_password2", ERIN_NEW_PASSWORD)
    page.click("button[type=submit]:has-text('Change password')")
    page.wait_for_url("**/security-credentials")
    assert "Your password has been changed." in page.content()
    shoot(page, "security-credentials-en")
    erin = User.objects.get(name="erin")
    assert not erin.password_reset_required and erin.check_password(ERIN_NEW_PASSWORD)


def test_the_console_speaks_japanese(page, shoot, management_root, alice):
    account = management_root.account
    page.goto("/signin")
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("h1").inner_text() == "サインイン"
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
        assert "Sign out" not in page.content()  # the chrome is translated too
        shoot(page, name)

    page.click("button:has-text('次へ')")  # the assign page: on to the QR code
    page.wait_for_url("**/enable")
    assert page.locator("h1").inner_text() == "認証アプリケーションの設定"
    shoot(page, "mfa-enable-ja")
    page.click("button:has-text('サインアウト')")
    page.wait_for_url("**/signin")
    page.goto("/signup")
    shoot(page, "signup-ja")

    # The MFA pages that need an enabled device, in Japanese.
    from accounts.mfa import services as mfa_services
    from accounts.mfa.models import VirtualMFADevice

    device, _key = mfa_services.virtual_mfa_device_create(user=alice, name="alice-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    page.goto("/signin/example-corp")
    page.fill("#id_user_name", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/mfa")
    assert page.locator("h1").inner_text() == "追加の検証が必要です"
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
    """A user with a device, signed in through a session made on the server side (its code is unknown here)."""
    from django.test import Client

    from accounts.mfa import services as mfa_services
    from accounts.mfa.models import VirtualMFADevice

    device, _key = mfa_services.virtual_mfa_device_create(user=alice, name="alice-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    client = Client()
    client.force_login(alice)
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            },
            {"name": "django_language", "value": "ja", "url": live_server.url},
        ]
    )
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
        assert page.locator("html").get_attribute("lang") == "ja"
        assert "Sign out" not in page.content()
        shoot(page, name)
