"""The Identity Center's Applications pages and the portal's tiles in headless Chromium: an
administrator adds an OpenID Connect application and sees its secret once, adds a SAML one
from its metadata, assigns people; a directory user finds the tiles on the access portal."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BASE = "/console/organization/sso/applications/"


def _sign_in_root(page):
    page.goto("/signin")
    page.fill("#id_email", "root@example.test")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")


def test_applications_from_creation_to_the_portal(page, shoot, organization, tmp_path):
    from sso import services
    from sso.applications import services as app_services
    from sso.models import SSOSettings
    from tests.support.saml_metadata import sp_metadata
    from tests.support.sso import make_sso_user, set_sso

    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    sam = make_sso_user(organization, name="sam")
    make_sso_user(organization, name="olga")
    platform = services.sso_group_create(
        actor=None, organization=organization, name="Platform", description="Platform engineers"
    )
    services.sso_group_membership_set(actor=None, group=platform, user=sam, member=True)
    chat, _client, _secret = app_services.oidc_application_create(
        actor=None,
        organization=organization,
        name="Team chat",
        description="Messages and calls",
        redirect_uris=["https://chat.example.test/callback"],
    )
    app_services.assignment_add(actor=None, application=chat, group=platform)

    _sign_in_root(page)
    page.goto("/console/organization/sso/")
    page.click(".sso-tabs a:has-text('Applications')")
    page.wait_for_url(f"**{BASE}")
    shoot(page, "sso-applications-en")

    # An OpenID Connect application: a refusal keeps what was typed.
    page.click("a:has-text('Add OpenID Connect application')")
    shoot(page, "sso-application-create-oidc-en")
    page.fill("#id_name", "Grafana")
    page.fill("#id_description", "Dashboards")
    page.fill("#id_redirect_uris", "ftp://grafana.example.test/callback")
    page.fill("#id_claim_mappings", "team = groups")
    page.fill("#id_start_url", "https://grafana.example.test/login")
    page.click("button:has-text('Create application')")
    expect(page.locator(".field-error #id_redirect_uris")).to_be_visible()
    expect(page.locator("#id_description")).to_have_value("Dashboards")
    shoot(page, "sso-application-create-oidc-error-en")

    page.fill("#id_redirect_uris", "https://grafana.example.test/login/generic_oauth")
    page.fill("#id_mfa_max_age_minutes", "30")
    page.click("button:has-text('Create application')")
    expect(page.locator("[data-testid=client-secret]")).to_have_text(re.compile(r"\S{60,}"))
    secret = page.locator("[data-testid=client-secret]").inner_text()
    assert len(secret) >= 60
    expect(page.locator("[data-testid=secret-once]")).to_contain_text("only time")
    expect(page.locator("[data-testid=copy-secret]")).to_be_visible()  # copy.js ran
    client_id = page.locator("[data-testid=client-id]").inner_text()
    shoot(page, "sso-application-secret-en")

    page.click("[data-testid=continue]")
    page.wait_for_url(re.compile(r".*/applications/app-[0-9a-f]+/$"))
    expect(page.locator("[data-testid=client-id]")).to_have_text(client_id)
    expect(page.locator("body")).not_to_contain_text(secret)
    detail = page.url
    page.fill("#id_principal_name", "sam")
    page.click("#assign button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("sam may now sign in to Grafana")
    shoot(page, "sso-application-detail-oidc-en")

    page.click("a:has-text('Edit')")
    shoot(page, "sso-application-edit-oidc-en")
    page.goto(detail)
    page.click("a:has-text('Rotate client secret')")
    shoot(page, "sso-application-secret-rotate-en")
    page.click("button:has-text('Rotate secret')")
    expect(page.locator("[data-testid=client-secret]")).not_to_have_text(secret)
    rotated = page.locator("[data-testid=client-secret]").inner_text()
    assert rotated != secret
    shoot(page, "sso-application-secret-rotated-en")
    page.goto(detail)
    page.locator("[data-testid=application-assignments] a:has-text('Remove')").first.click()
    shoot(page, "sso-application-assignment-remove-en")
    page.goto(detail)
    page.click("a.btn-danger:has-text('Delete')")
    shoot(page, "sso-application-delete-en")

    # A SAML application from its metadata file.
    metadata = tmp_path / "metadata.xml"
    metadata.write_text(sp_metadata(authn_requests_signed=False), encoding="utf-8")
    page.goto(BASE + "new/saml")
    shoot(page, "sso-application-create-saml-en")
    page.fill("#id_name", "Expenses")
    page.set_input_files("#id_metadata_file", str(metadata))
    page.select_option("#id_name_id_format", label="Email address")
    page.fill("#id_attribute_mappings", "mail = email")
    page.click("button:has-text('Create application')")
    expect(page.locator(".messages")).to_contain_text("Application Expenses was created")
    expect(page.locator("[data-testid=saml-settings]")).to_contain_text(
        "https://sp.example.test/saml/acs"
    )
    page.fill("#id_principal_name", "Platform")
    page.check("input[name=principal_type][value=group]")
    page.click("#assign button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Platform may now sign in to Expenses")
    shoot(page, "sso-application-detail-saml-en")
    page.click("a:has-text('Edit')")
    shoot(page, "sso-application-edit-saml-en")

    page.goto(BASE)
    expect(page.locator("[data-testid=sso-applications] tbody tr")).to_have_count(3)
    shoot(page, "sso-applications-filled-en")

    # Sam's portal: Grafana (start URL), Team chat (none), Expenses (SAML).
    page.context.clear_cookies()
    page.goto(f"/start/{organization.pk}")
    page.fill("#id_user_name", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("[data-testid=portal-applications]")).to_contain_text("Applications (3)")
    expect(
        page.locator(
            "[data-testid=portal-applications] a[href='https://grafana.example.test/login']"
        )
    ).to_be_visible()
    shoot(page, "sso-portal-applications-en")
