"""The access portal's *Applications* section: the applications a directory user is assigned
to (directly or through a group) as tiles, and nothing else, in a constant number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sso import services
from sso.applications import services as app_services
from tests.support.sso import make_sso_user, signin_portal

pytestmark = pytest.mark.django_db


def portal(client, organization) -> str:
    response = client.get(reverse("sso:portal", args=[organization.pk]))
    assert response.status_code == 200
    return response.content.decode()


def oidc_app(organization, name, start_url=""):
    application, _client, _secret = app_services.oidc_application_create(
        actor=None,
        organization=organization,
        name=name,
        redirect_uris=[f"https://{name.lower()}.example.test/cb"],
        start_url=start_url,
    )
    return application


def saml_app(organization, name):
    application, _provider = app_services.saml_application_create(
        actor=None,
        organization=organization,
        name=name,
        entity_id=f"https://{name.lower()}.example.test/sp",
        acs_urls=[f"https://{name.lower()}.example.test/acs"],
    )
    return application


def tile(page: str, application) -> str:
    return page.split(f'data-testid="portal-app-{application.application_id}"')[1].split("</li>")[0]


def test_the_portal_lists_the_applications_assigned_directly_or_through_a_group(
    client, organization, other_organization, sso_no_mfa, sam
):
    wiki = oidc_app(organization, "Wiki", start_url="https://wiki.example.test/login")
    tickets = oidc_app(organization, "Tickets")  # no start URL
    crm = saml_app(organization, "CRM")
    hidden = oidc_app(organization, "Payroll", start_url="https://payroll.example.test/")
    team = services.sso_group_create(actor=None, organization=organization, name="Sales")
    services.sso_group_membership_set(actor=None, group=team, user=sam, member=True)
    app_services.assignment_add(actor=None, application=wiki, user=sam)
    app_services.assignment_add(actor=None, application=wiki, group=team)  # listed once
    app_services.assignment_add(actor=None, application=tickets, user=sam)
    app_services.assignment_add(actor=None, application=crm, group=team)
    olga = make_sso_user(organization, name="olga")
    app_services.assignment_add(actor=None, application=hidden, user=olga)  # not Sam's
    elsewhere = oidc_app(other_organization, "Wiki", start_url="https://evil.example.test/")
    stranger = make_sso_user(other_organization, name="sam")
    app_services.assignment_add(actor=None, application=elsewhere, user=stranger)

    assert signin_portal(client, organization).status_code == 302
    page = portal(client, organization)
    section = page.split('data-testid="portal-applications"')[1].split("</section>")[0]
    assert "Applications (3)" in section
    assert section.count('data-testid="portal-app-') == 3
    assert "Payroll" not in section and "evil.example.test" not in section

    wiki_tile = tile(section, wiki)
    assert 'href="https://wiki.example.test/login"' in wiki_tile
    assert 'rel="noopener noreferrer"' in wiki_tile
    tickets_tile = tile(section, tickets)
    assert (
        "href=" not in tickets_tile and "Open this application from its own address" in tickets_tile
    )
    crm_tile = tile(section, crm)
    start = reverse("applications:saml_start", args=[organization.pk, crm.application_id])
    assert f'href="{start}"' in crm_tile


def test_without_assignments_the_portal_says_who_assigns_them(
    client, organization, sso_no_mfa, sam
):
    oidc_app(organization, "Wiki", start_url="https://wiki.example.test/")
    assert signin_portal(client, organization).status_code == 302
    page = portal(client, organization)
    assert "Applications (0)" in page and "You have no applications yet." in page


def test_an_assignment_removed_disappears_from_the_portal(client, organization, sso_no_mfa, sam):
    wiki = oidc_app(organization, "Wiki", start_url="https://wiki.example.test/")
    assignment = app_services.assignment_add(actor=None, application=wiki, user=sam)
    assert signin_portal(client, organization).status_code == 302
    assert tile(portal(client, organization), wiki)
    app_services.assignment_remove(actor=None, assignment=assignment)
    assert f"portal-app-{wiki.application_id}" not in portal(client, organization)


def _queries(client, organization) -> int:
    with CaptureQueriesContext(connection) as captured:
        portal(client, organization)
    return len(captured)


def test_the_portal_has_a_constant_number_of_queries(
    client, organization, sso_no_mfa, sam, django_assert_max_num_queries
):
    def fill(start, end):
        for n in range(start, end):
            group = services.sso_group_create(actor=None, organization=organization, name=f"g{n}")
            services.sso_group_membership_set(actor=None, group=group, user=sam, member=True)
            app = (saml_app if n % 2 else oidc_app)(organization, f"App{n}")
            app_services.assignment_add(actor=None, application=app, user=sam)
            app_services.assignment_add(actor=None, application=app, group=group)

    fill(0, 2)
    assert signin_portal(client, organization).status_code == 302
    few = _queries(client, organization)
    fill(2, 25)
    with django_assert_max_num_queries(few):
        page = portal(client, organization)
    assert page.count('data-testid="portal-app-') == 25
