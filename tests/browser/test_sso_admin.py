"""The administrator's Identity Center pages in real Chromium, in English and Japanese."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

from tests.conftest import PASSWORD  # noqa: E402


@pytest.fixture
def sso_directory(organization, member_account):
    """A directory with something on every page: users, a group, permission sets, assignments."""
    from mfa.models import MFADevice
    from mfa.totp import services as totp_services
    from sso import services
    from tests.support.sso import ADMIN, make_idp, make_permission_set, make_sso_user

    sam = make_sso_user(organization, name="sam")
    make_sso_user(organization, name="olga", reset=True)
    make_sso_user(organization, name="lee", password=None)
    platform = services.sso_group_create(
        actor=None, organization=organization, name="Platform", description="Platform engineers"
    )
    services.sso_group_membership_set(actor=None, group=platform, user=sam, member=True)
    read_only = make_permission_set(
        organization, name="ReadOnly", description="Look, don't touch", session_duration_hours=4
    )
    admin = make_permission_set(organization, name="Admin", managed=[ADMIN])
    direct = services.assignment_create(
        actor=None, account=member_account, permission_set=read_only, user=sam
    )
    services.assignment_create(
        actor=None, account=organization.management_account, permission_set=admin, group=platform
    )
    device, _key = totp_services.virtual_mfa_device_create(user=sam, name="sam-phone")
    MFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    from sso.models import ExternalIdentity

    idp = make_idp(organization)
    identity = ExternalIdentity.objects.create(
        provider=idp, user=sam, issuer=idp.issuer, subject="00u1sam"
    )
    return {
        "identity_id": identity.pk,
        "sam": sam,
        "platform": platform,
        "read_only": read_only,
        "direct": direct,
        "device_id": device.pk,
    }


def _pages(d) -> list[tuple[str, str]]:
    base = "/console/organization/sso/"
    sam, group = d["sam"].unique_id, d["platform"].group_id
    ps = d["read_only"].permission_set_id
    return [
        ("sso-home", base),
        ("sso-settings", f"{base}settings"),
        ("sso-idp", f"{base}identity-provider"),
        ("sso-users", f"{base}users/"),
        ("sso-user-create", f"{base}users/new"),
        ("sso-user-detail", f"{base}users/{sam}/"),
        ("sso-user-status", f"{base}users/{sam}/status"),
        ("sso-user-delete", f"{base}users/{sam}/delete"),
        ("sso-user-mfa-remove", f"{base}users/{sam}/mfa/{d['device_id']}/remove"),
        ("sso-user-identity-unlink", f"{base}users/{sam}/identities/{d['identity_id']}/unlink"),
        ("sso-groups", f"{base}groups/"),
        ("sso-group-detail", f"{base}groups/{group}/"),
        ("sso-group-member-remove", f"{base}groups/{group}/members/{sam}/remove"),
        ("sso-group-delete", f"{base}groups/{group}/delete"),
        ("sso-permission-sets", f"{base}permission-sets/"),
        ("sso-permission-set-create", f"{base}permission-sets/new"),
        ("sso-permission-set-detail", f"{base}permission-sets/{ps}/"),
        ("sso-permission-set-delete", f"{base}permission-sets/{ps}/delete"),
        ("sso-accounts", f"{base}accounts/"),
        ("sso-assignment-delete", f"{base}accounts/assignments/{d['direct'].pk}/delete"),
    ]


def _sign_in(page):
    page.fill("#id_email", "root@example.test")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")


def test_identity_center_pages_in_english_and_japanese(page, shoot, sso_directory):
    page.goto("/signin")
    _sign_in(page)
    page.click("a:has-text('IAM Identity Center')")
    page.wait_for_url("**/console/organization/sso/")
    for name, path in _pages(sso_directory):
        response = page.goto(path)
        assert response.status == 200, path
        shoot(page, f"{name}-en")

    # A refused permission set keeps what was typed, with the error in place.
    page.goto("/console/organization/sso/permission-sets/new")
    page.fill("#id_name", "Developers")
    page.check("input[value='arn:aws:iam::aws:policy/IAMReadOnlyAccess']")
    page.fill("#id_document", '{"Version": "2012-10-17", "Statement": [')
    page.click("button:has-text('Create permission set')")
    expect(page.locator("[data-testid=policy-error]")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("Developers")
    expect(page.locator("input[value='arn:aws:iam::aws:policy/IAMReadOnlyAccess']")).to_be_checked()
    shoot(page, "sso-permission-set-create-error-en")

    # Assign access from the accounts page: the form is prefilled from the account's row.
    page.goto("/console/organization/sso/accounts/")
    page.locator("a.btn:has-text('Assign')").first.click()
    page.check("input[name=principal_type][value=group]")
    page.fill("#id_principal_name", "Platform")
    page.select_option("#id_permission_set", label="ReadOnly")
    page.click("#assign button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("may now open")
    shoot(page, "sso-accounts-assigned-en")

    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    for name, path in _pages(sso_directory):
        response = page.goto(path)
        assert response.status == 200, path
        # The chrome is translated.
        expect(page.get_by_role("button", name="サインアウト", exact=True)).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("Sign out")
        shoot(page, f"{name}-ja")
