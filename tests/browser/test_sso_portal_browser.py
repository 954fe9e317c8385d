"""The access portal in headless Chromium: sign in, register MFA, open an account as a role."""

import time

import pyotp
import pytest

from sso import services
from sso.models import SSOSettings
from tests.conftest import PASSWORD
from tests.sso.conftest import ADMIN, make_idp, make_permission_set, make_sso_user, set_sso

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, organization, name="sam"):
    page.goto(f"/start/{organization.pk}")
    page.fill("#id_user_name", name)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def to_japanese(page):
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    assert page.locator("html").get_attribute("lang") == "ja"


def test_sign_in_register_an_app_then_open_an_account_as_a_permission_set(
    page, shoot, organization, member_account
):
    sam = make_sso_user(organization)
    read_only = make_permission_set(organization, session_duration_hours=8)
    admin = make_permission_set(organization, name="Admin", managed=[ADMIN])
    team = services.sso_group_create(actor=None, organization=organization, name="Engineers")
    services.sso_group_membership_set(actor=None, group=team, user=sam, member=True)
    services.assignment_create(
        actor=None, account=member_account, permission_set=read_only, group=team
    )
    services.assignment_create(
        actor=None, account=organization.management_account, permission_set=read_only, group=team
    )
    services.assignment_create(actor=None, account=member_account, permission_set=admin, user=sam)

    page.goto(f"/start/{organization.pk}")
    shoot(page, "sso-portal-signin-en")
    to_japanese(page)
    shoot(page, "sso-portal-signin-ja")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")

    sign_in(page, organization)
    page.wait_for_url("**/mfa-required")
    shoot(page, "sso-mfa-required-en")
    to_japanese(page)
    shoot(page, "sso-mfa-required-ja")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    page.goto(f"/start/{organization.pk}")
    assert page.url.endswith("/mfa-required")  # nothing else opens first

    page.click("[data-testid=register-mfa]")
    page.wait_for_url("**/mfa/assign")
    page.check("input[name=device_type][value=app]")
    page.fill("#id_name", "sam-phone")
    page.click("main button[type=submit]")
    page.wait_for_url("**/enable")
    secret = page.locator("[data-testid=secret]").text_content()
    app = pyotp.TOTP(secret.strip())
    now = time.time()
    page.fill("#id_code1", app.at(now - 30))
    page.fill("#id_code2", app.at(now))
    page.click("main button[type=submit]")
    page.wait_for_url("**/security-credentials")

    page.goto(f"/start/{organization.pk}")
    assert "Signed in as sam" in page.content()
    listing = page.locator(f"[data-testid=portal-account-{member_account.pk}]")
    assert "ReadOnly" in listing.inner_text() and "Admin" in listing.inner_text()
    shoot(page, "sso-portal-en")
    to_japanese(page)
    shoot(page, "sso-portal-ja")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")

    listing = page.locator(f"[data-testid=portal-account-{member_account.pk}]")
    listing.locator("li", has_text="ReadOnly").locator("button").click()
    page.wait_for_url(f"**/console/accounts/{member_account.pk}/")
    whoami = page.locator(".whoami")
    assert "ReadOnly/sam" in whoami.inner_text()
    assert "assumed-role/AWSReservedSSO_ReadOnly_" in whoami.get_attribute("title")
    shoot(page, "sso-role-console-en")
    to_japanese(page)
    assert "ReadOnly/sam" in page.locator(".whoami").inner_text()
    shoot(page, "sso-role-console-ja")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    page.goto(f"/console/accounts/{member_account.pk}/users/new")
    assert (
        "assumed-role/AWSReservedSSO_ReadOnly_" in page.content()
    )  # the 403 explains who was denied
    page.click("button:has-text('Leave account')")
    page.wait_for_url(f"**/start/{organization.pk}")
    assert "You left the account." in page.content()


def test_the_portal_offers_the_external_identity_provider(page, shoot, organization):
    make_idp(organization, issuer="http://127.0.0.1:9/")
    set_sso(organization, identity_source=SSOSettings.IdentitySource.EXTERNAL)
    page.goto(f"/start/{organization.pk}")
    assert page.locator("[data-testid=idp-signin]").inner_text() == "Sign in with Example IdP"
    assert page.locator("#id_password").count() == 0
    shoot(page, "sso-portal-signin-idp-en")
    to_japanese(page)
    shoot(page, "sso-portal-signin-idp-ja")
