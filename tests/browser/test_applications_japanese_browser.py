"""The Applications pages in Japanese, in real Chromium, with a screenshot of each to look at
(``SCREENSHOT_DIR``): the administrator's pages, the portal's tiles, and the pages a person
meets while signing in to an application (consent, refusal, errors, sign-out)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sso import services as sso_services
from sso.applications import services as app_services
from sso.models import SSOSettings
from tests.conftest import PASSWORD
from tests.support.sso import make_sso_user, set_sso

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AT_LEAST_FIVE_JAPANESE_CHARACTERS = re.compile(r"(?:[^\u0000-\u3000][\u0000-\u3000]*){5}")
REDIRECT_URI = "https://wiki.example.test/callback"


def to_japanese(page):
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")


def look(page, shoot, name, url, status=200):
    response = page.goto(url)
    assert response.status == status, (name, url, response.status)
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("main")).to_have_text(AT_LEAST_FIVE_JAPANESE_CHARACTERS)
    shoot(page, f"{name}-ja")


@pytest.fixture
def apps(organization):
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    sam = make_sso_user(organization, name="sam")
    team = sso_services.sso_group_create(actor=None, organization=organization, name="Engineers")
    sso_services.sso_group_membership_set(actor=None, group=team, user=sam, member=True)
    wiki, client, _secret = app_services.oidc_application_create(
        actor=None,
        organization=organization,
        name="Wiki",
        redirect_uris=[REDIRECT_URI],
        post_logout_redirect_uris=["https://wiki.example.test/"],
        start_url="https://wiki.example.test/login",
        claim_mappings={"department": "organization_id"},
    )
    assignment = app_services.assignment_add(actor=None, application=wiki, group=team)
    crm, _provider = app_services.saml_application_create(
        actor=None,
        organization=organization,
        name="CRM",
        entity_id="https://crm.example.test/saml",
        acs_urls=["https://crm.example.test/saml/acs"],
        allow_unsigned_requests=True,
    )
    app_services.assignment_add(actor=None, application=crm, user=sam)
    locked, locked_client, _secret = app_services.oidc_application_create(
        actor=None, organization=organization, name="Payroll", redirect_uris=[REDIRECT_URI]
    )
    return {
        "wiki": wiki,
        "client": client,
        "assignment": assignment,
        "crm": crm,
        "locked_client": locked_client,
    }


def authorize(organization, client, **params) -> str:
    query = {
        "client_id": client.client_id,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid profile email groups",
        "state": "s",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        **params,
    }
    return reverse("applications:authorize", args=[organization.pk]) + "?" + urlencode(query)


def test_the_applications_pages_in_japanese(
    page, shoot, organization, management_root, apps, live_server
):
    page.goto("/signin")
    to_japanese(page)
    page.fill("#id_email", management_root.account.root_email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")
    wiki, crm = apps["wiki"].application_id, apps["crm"].application_id

    def console(name, *args):
        return reverse(f"console:sso_application_{name}", args=args)

    for name, url in {
        "sso-applications": console("list"),
        "sso-application-create-oidc": console("create_oidc"),
        "sso-application-create-saml": console("create_saml"),
        "sso-application-detail-oidc": console("detail", wiki),
        "sso-application-detail-saml": console("detail", crm),
        "sso-application-edit-oidc": console("edit", wiki),
        "sso-application-edit-saml": console("edit", crm),
        "sso-application-secret-rotate": console("secret_rotate", wiki),
        "sso-application-delete": console("delete", wiki),
        "sso-application-assignment-remove": console(
            "assignment_remove", wiki, apps["assignment"].pk
        ),
    }.items():
        look(page, shoot, name, url)

    # The person's side: the portal, consent, a refusal, the provider's error page, sign-out.
    page.context.clear_cookies()
    page.goto(f"/start/{organization.pk}")
    to_japanese(page)
    page.fill("#id_user_name", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_test_id("portal-applications")).to_contain_text("Wiki")
    look(page, shoot, "sso-portal-applications", f"/start/{organization.pk}")
    look(page, shoot, "oidc-consent", authorize(organization, apps["client"]))
    look(
        page,
        shoot,
        "application-refused",
        authorize(organization, apps["locked_client"]),
        status=403,
    )
    look(
        page,
        shoot,
        "oidc-error",
        authorize(organization, apps["client"], redirect_uri="https://evil.example.test/"),
        status=400,
    )
    # SAML: a request that cannot be read is refused on a page; the response page (without
    # JavaScript, it waits for the person's button) posts to the application.
    look(
        page,
        shoot,
        "saml-refused",
        reverse("applications:saml_sso", args=[organization.pk]) + "?SAMLRequest=not-saml",
        status=400,
    )
    no_script = page.context.browser.new_context(
        java_script_enabled=False,
        locale="ja-JP",
        storage_state=page.context.storage_state(),
    )
    quiet = no_script.new_page()
    start = reverse("applications:saml_start", args=[organization.pk, apps["crm"].application_id])
    look(quiet, shoot, "saml-post", live_server.url + start)
    expect(quiet.get_by_test_id("saml-post")).to_be_visible()
    no_script.close()
    logout = reverse("applications:logout", args=[organization.pk])
    look(page, shoot, "oidc-logout", logout + "?client_id=" + apps["client"].client_id)
    page.click("[data-testid=logout-confirm]")
    expect(page.get_by_test_id("oidc-signed-out")).to_be_visible()
    expect(page.locator("main")).to_have_text(AT_LEAST_FIVE_JAPANESE_CHARACTERS)
    shoot(page, "oidc-signed-out-ja")
