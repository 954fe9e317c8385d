"""Issue 13's console fixes in a real browser, in English and Japanese, with screenshots."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from identity import services
from identity.policies import services as policies
from mfa.models import MFADevice
from mfa.totp import services as totp_services
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
LANGUAGES = ["en", "ja"]


def _speak(page, live_server, language):
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )


def _signin_root(page, email="root@example.test"):
    page.goto("/signin")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")


def _signin_iam(page, user_name):
    page.goto("/signin/example-corp")
    page.fill("#id_user_name", user_name)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/**")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_attach_picker_and_the_policy_page(
    page, shoot, live_server, management_root, make_iam_user, language
):
    account = management_root.account
    make_iam_user(name="bob")
    policies.customer_policy_create(
        actor=None,
        account=account,
        name="team-readers",
        document='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}',
    )
    _speak(page, live_server, language)
    _signin_root(page)

    page.goto(f"/console/accounts/{account.id}/users/bob/permissions")
    picker = page.locator("#id_policy_arn")
    expect(page.locator("#id_policy_arn_filter")).to_be_visible()
    expect(picker).to_have_value("")
    expect(picker.locator("option[value$='AdministratorAccess']")).to_be_visible()
    shoot(page, f"console-fixes-attach-picker-empty-{language}")
    page.fill("#id_policy_arn_filter", "readonly")
    expect(picker.locator("option[value$='/IAMReadOnlyAccess']")).to_be_visible()
    expect(picker.locator("option[value$='AdministratorAccess']")).to_be_hidden()
    expect(picker.locator("option[value$='team-readers']")).to_be_hidden()
    shoot(page, f"console-fixes-attach-picker-filtered-{language}")
    page.click("main .attach-form button[type=submit]")  # nothing chosen: a form error
    expect(page.locator(".field-error .error")).to_be_visible()

    page.goto(f"/console/accounts/{account.id}/policies/team-readers/")
    expect(page.get_by_test_id("default-document")).to_have_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}],
            },
            indent=2,
        )
    )
    expect(page.get_by_test_id("stored-document")).to_be_hidden()  # inside <details>
    page.select_option("#id_target", "user:bob")
    shoot(page, f"console-fixes-policy-page-{language}")
    page.click("[data-testid=policy-attach] button[type=submit]")
    expect(page.locator("#attach li")).to_contain_text("bob")
    shoot(page, f"console-fixes-policy-page-attached-{language}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_generated_password_shown_once_with_copy_and_csv(
    page, shoot, live_server, management_root, language
):
    account = management_root.account
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _speak(page, live_server, language)
    _signin_root(page)
    page.goto(f"/console/accounts/{account.id}/users/new")
    expect(page.locator("#id_path")).to_have_value("/")
    page.fill("#id_path", "")
    page.fill("#id_name", "=cmd")  # a name a spreadsheet would run as a formula
    shoot(page, f"console-fixes-user-create-{language}")
    page.click("main button[type=submit].btn-primary")
    page.wait_for_url("**/password")
    password = page.get_by_test_id("generated-password")
    expect(password).to_be_visible()
    secret = password.inner_text()

    copy = page.get_by_test_id("copy-password")
    expect(copy).to_be_visible()
    copy.click()
    expect(copy).to_have_text("Copied" if language == "en" else "コピーしました")
    assert page.evaluate("navigator.clipboard.readText()") == secret

    with page.expect_download() as download:
        page.get_by_test_id("download-csv").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["Console sign-in URL", "User name", "Password"]
    assert rows[1][0].endswith("/signin/example-corp")
    assert rows[1][1] == "'=cmd"  # neutralised
    assert rows[1][2] == secret
    shoot(page, f"console-fixes-password-once-{language}")

    page.reload()
    expect(page.get_by_test_id("password-gone")).to_be_visible()
    expect(page.get_by_test_id("generated-password")).to_have_count(0)
    shoot(page, f"console-fixes-password-gone-{language}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_read_only_user_sees_no_create_buttons(
    page, shoot, live_server, management_root, alice, language
):
    account = management_root.account
    policies.policy_attach(actor=None, account=account, policy_arn=READ_ONLY, user=alice)
    services.iam_user_create(actor=None, account=account, name="bob", password=PASSWORD)
    _speak(page, live_server, language)
    _signin_iam(page, "alice")
    page.goto(f"/console/accounts/{account.id}/users/")
    expect(page.locator("main table.table")).to_be_visible()
    expect(page.locator(f"a[href='/console/accounts/{account.id}/users/new']")).to_have_count(0)
    shoot(page, f"console-fixes-read-only-users-{language}")
    page.goto(f"/console/accounts/{account.id}/")
    expect(page.get_by_test_id("people-summary")).to_be_visible()
    expect(page.locator(f"a[href='/console/accounts/{account.id}/users/new']")).to_have_count(0)
    expect(page.locator("a[href='/console/organization/sso/']")).to_have_count(0)
    shoot(page, f"console-fixes-read-only-account-{language}")


FORCED_MFA = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyAllExceptListedIfNoMFA",
                "Effect": "Deny",
                "NotAction": ["iam:ChangePassword", "iam:GetUser", "iam:EnableMFADevice"],
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ],
    }
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_mfa_403_says_what_to_do(page, shoot, live_server, management_root, alice, language):
    account = management_root.account
    policies.policy_attach(actor=None, account=account, policy_arn=READ_ONLY, user=alice)
    policies.inline_policy_put(actor=None, user=alice, name="forced-mfa", document=FORCED_MFA)
    _speak(page, live_server, language)
    _signin_iam(page, "alice")
    page.goto(f"/console/accounts/{account.id}/users/")
    advice = page.get_by_test_id("mfa-required")
    expect(advice).to_be_visible()
    expect(advice.locator("a[href='/security-credentials/mfa/assign']")).to_be_visible()
    expect(page.locator("main")).to_contain_text("DenyAllExceptListedIfNoMFA")
    shoot(page, f"console-fixes-mfa-403-no-device-{language}")

    device, _key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    MFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    page.reload()
    expect(advice.locator("button[type=submit]")).to_be_visible()
    expect(advice.locator("a[href='/security-credentials/mfa/assign']")).to_have_count(0)
    shoot(page, f"console-fixes-mfa-403-with-device-{language}")
