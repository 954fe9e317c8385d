"""IdP-initiated SAML sign-in (issue 15): the access portal's tile opens
``/o/<org>/saml/start/<application id>``; node-saml, expecting no InResponseTo, accepts the
response. A GET from another site (or a browser that does not say) gets a button first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from identity.models import AuditEvent
from tests.conftest import PASSWORD
from tests.support.saml import (
    SP_ACS_URL,
    SP_ENTITY_ID,
    forms_of,
    metadata_of,
    posted_form,
    run_service_provider,
)
from tests.support.sso import make_sso_user, signin_portal

pytestmark = pytest.mark.django_db

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def start_url(provider):
    application = provider.application
    return reverse(
        "applications:saml_start", args=[application.organization_id, application.application_id]
    )


def test_the_tile_signs_in_to_the_application_with_its_default_relay_state(
    client, organization, saml_app, sam
):
    signin_portal(client, organization)
    with run_service_provider(
        metadata_of(client, organization), SP_ENTITY_ID, SP_ACS_URL, mode="idp"
    ) as sp:
        form = posted_form(client.get(start_url(saml_app), headers=SAME_ORIGIN))
        assert form["action"] == SP_ACS_URL
        result = sp.finish(form)
    assert result["profile"]["nameID"] == sam.unique_id
    assert result["profile"]["inResponseTo"] is None
    assert result["relay_state"] == "/home"
    event = AuditEvent.objects.get(event_name="SAMLAssertionIssued")
    assert event.request_parameters["initiatedBy"] == "IdP"


def test_a_link_from_another_site_asks_before_it_signs_in(client, organization, saml_app, sam):
    signin_portal(client, organization)
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {}):
        response = client.get(start_url(saml_app), headers=headers)
        assert response.status_code == 200
        assert "SAMLResponse" not in response.content.decode()
        (form,) = [f for f in forms_of(response.content.decode()) if f["attrs"].get("data-testid")]
        assert (
            form["attrs"]["data-testid"] == "saml-start" and "csrfmiddlewaretoken" in form["fields"]
        )
    assert not AuditEvent.objects.filter(event_name="SAMLAssertionIssued").exists()
    # The button posts (CSRF-protected); then the response is issued.
    with run_service_provider(
        metadata_of(client, organization), SP_ENTITY_ID, SP_ACS_URL, mode="idp"
    ) as sp:
        result = sp.finish(posted_form(client.post(start_url(saml_app))))
    assert result["profile"]["nameID"] == sam.unique_id


def test_the_button_needs_the_csrf_token(organization, saml_app, sam):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    signin_portal(browser, organization)
    assert browser.post(start_url(saml_app)).status_code == 403


def test_someone_not_signed_in_signs_in_first_then_comes_back(client, organization, saml_app, sam):
    response = client.get(start_url(saml_app), headers=SAME_ORIGIN)
    assert response.status_code == 302
    portal = reverse("sso:portal", args=[organization.pk])
    assert response["Location"].startswith(portal + "?next=")
    response = client.post(
        response["Location"],
        {"user_name": "sam", "password": PASSWORD, "next": start_url(saml_app)},
    )
    assert response["Location"] == start_url(saml_app)
    posted_form(client.get(response["Location"], headers=SAME_ORIGIN))


def test_someone_not_assigned_is_refused(client, organization, saml_app):
    make_sso_user(organization, name="olga")
    signin_portal(client, organization, name="olga")
    response = client.get(start_url(saml_app), headers=SAME_ORIGIN)
    assert response.status_code == 403
    assert 'data-reason="NotAssigned"' in response.content.decode()
    assert "SAMLResponse" not in response.content.decode()
    event = AuditEvent.objects.get(event_name="ApplicationSignInRefused")
    assert event.error_code == "NotAssigned"


def test_an_openid_connect_application_has_no_saml_start(client, organization, sso_no_mfa, sam):
    from sso.applications import services

    application, _client, _secret = services.oidc_application_create(
        actor=None,
        organization=organization,
        name="Portal app",
        redirect_uris=["https://rp.example.test/callback"],
    )
    services.assignment_add(actor=None, application=application, user=sam)
    signin_portal(client, organization)
    url = reverse("applications:saml_start", args=[organization.pk, application.application_id])
    assert client.get(url, headers=SAME_ORIGIN).status_code == 404
