"""The access portal in headless Chromium: sign in, register MFA, open an account as a role."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from sso import services
from sso.models import SSOSettings
from tests.conftest import PASSWORD
from tests.support.sso import ADMIN, make_idp, make_permission_set, make_sso_user, set_sso

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, organization, name="sam"):
    page.goto(f"/start/{organization.pk}")
    page.fill("#id_user_name", name)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def to_japanese(page):
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")


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
    expect(page).to_have_url(re.compile(r"/mfa-required$"))  # nothing else opens first

    page.click("[data-testid=register-mfa]")
    page.wait_for_url("**/mfa/assign")
    page.check("input[name=device_type][value=app]")
    page.fill("#id_name", "sam-phone")
    page.click("main button[type=submit]")
    page.wait_for_url("**/enable")
    secret_key = page.locator("[data-testid=secret]")  # in the folded "Show secret key"
    expect(secret_key).to_have_text(re.compile(r"^\s*[A-Z2-7]{16,}\s*$"))
    secret = secret_key.text_content()
    app = pyotp.TOTP(secret.strip())
    now = time.time()
    page.fill("#id_code1", app.at(now - 30))
    page.fill("#id_code2", app.at(now))
    page.click("main button[type=submit]")
    page.wait_for_url("**/security-credentials")

    page.goto(f"/start/{organization.pk}")
    expect(page.locator("main")).to_contain_text("Signed in as sam")
    listing = page.locator(f"[data-testid=portal-account-{member_account.pk}]")
    expect(listing).to_contain_text("ReadOnly")
    expect(listing).to_contain_text("Admin")
    shoot(page, "sso-portal-en")
    to_japanese(page)
    shoot(page, "sso-portal-ja")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")

    listing = page.locator(f"[data-testid=portal-account-{member_account.pk}]")
    listing.locator("li", has_text="ReadOnly").locator("button").click()
    page.wait_for_url(f"**/console/accounts/{member_account.pk}/")
    whoami = page.locator(".whoami")
    expect(whoami).to_contain_text("ReadOnly/sam")
    expect(whoami).to_have_attribute("title", re.compile("assumed-role/AWSReservedSSO_ReadOnly_"))
    shoot(page, "sso-role-console-en")
    to_japanese(page)
    expect(page.locator(".whoami")).to_contain_text("ReadOnly/sam")
    shoot(page, "sso-role-console-ja")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    page.goto(f"/console/accounts/{member_account.pk}/users/new")
    # The 403 explains who was denied.
    expect(page.locator("main")).to_contain_text("assumed-role/AWSReservedSSO_ReadOnly_")
    page.click("button:has-text('Leave account')")
    page.wait_for_url(f"**/start/{organization.pk}")
    expect(page.locator(".messages")).to_contain_text("You left the account.")


def test_the_portal_offers_the_external_identity_provider(page, shoot, organization):
    make_idp(organization, issuer="http://127.0.0.1:9/")
    set_sso(organization, identity_source=SSOSettings.IdentitySource.EXTERNAL)
    page.goto(f"/start/{organization.pk}")
    expect(page.locator("[data-testid=idp-signin]")).to_have_text("Sign in with Example IdP")
    expect(page.locator("#id_password")).to_have_count(0)
    shoot(page, "sso-portal-signin-idp-en")
    to_japanese(page)
    shoot(page, "sso-portal-signin-idp-ja")
