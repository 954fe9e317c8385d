"""The Identity Center's *Applications* pages (``console:sso_application_*``): OpenID Connect
and SAML 2.0 applications are created, edited and deleted through the services (audited), a
client secret is shown once and stored only as a digest, people are assigned, and every page
asks the policy engine and is 404 outside the organization's management account."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from identity.models import AuditEvent
from identity.policies import services as iam_policies
from sso import services
from sso.applications import services as app_services
from sso.applications.models import (
    Application,
    ApplicationAssignment,
    OIDCClient,
    SAMLServiceProvider,
)
from tests.support.pages import field_errors, page_text, url
from tests.support.saml_metadata import certificate_pem, sp_metadata
from tests.support.sso import SSO_VIEW_ONLY, make_sso_user
from tests.support.tenancy import intruder as intruder_principal

pytestmark = pytest.mark.django_db

EVENTS = (
    "CreateApplication",
    "UpdateApplication",
    "DeleteApplication",
    "RotateApplicationClientSecret",
    "CreateApplicationAssignment",
    "DeleteApplicationAssignment",
)


def events(*names) -> list[str]:
    """The changes somebody made (not the fixtures' set-up, nor the refusals' records)."""
    return list(
        AuditEvent.objects.filter(event_name__in=names or EVENTS)
        .exclude(user_identity__type="Tobira")
        .exclude(error_code="AccessDenied")
        .order_by("event_time", "pk")
        .values_list("event_name", flat=True)
    )


def secret_on(response) -> str:
    match = re.search(r'data-testid="client-secret">([^<]+)<', response.content.decode())
    assert match, "no secret on the page"
    return match.group(1)


@pytest.fixture
def admin(client, management_root):
    client.force_login(management_root)
    return client


@pytest.fixture
def apps(organization):
    """An OIDC application assigned to Sam and to Platform, a SAML one, and Olga unassigned."""
    sam = make_sso_user(organization, name="sam")
    olga = make_sso_user(organization, name="olga")
    platform = services.sso_group_create(actor=None, organization=organization, name="Platform")
    services.sso_group_membership_set(actor=None, group=platform, user=sam, member=True)
    wiki, client, secret = app_services.oidc_application_create(
        actor=None,
        organization=organization,
        name="Wiki",
        redirect_uris=["https://wiki.example.test/callback"],
        grant_types=["authorization_code", "refresh_token"],
        start_url="https://wiki.example.test/login",
    )
    crm, _provider = app_services.saml_application_create(
        actor=None,
        organization=organization,
        name="CRM",
        entity_id="https://crm.example.test/saml",
        acs_urls=["https://crm.example.test/saml/acs"],
        allow_unsigned_requests=True,
    )
    to_sam = app_services.assignment_add(actor=None, application=wiki, user=sam)
    to_platform = app_services.assignment_add(actor=None, application=wiki, group=platform)
    return SimpleNamespace(
        sam=sam,
        olga=olga,
        platform=platform,
        wiki=wiki,
        client=client,
        secret=secret,
        crm=crm,
        to_sam=to_sam,
        to_platform=to_platform,
    )


def page_urls(a) -> list[tuple[str, str]]:
    """Every page (GET) of the Applications console, with the fixture's objects."""
    wiki, crm = a.wiki.application_id, a.crm.application_id
    return [
        ("sso_application_list", url("sso_application_list")),
        ("sso_application_create_oidc", url("sso_application_create_oidc")),
        ("sso_application_create_saml", url("sso_application_create_saml")),
        ("sso_application_detail", url("sso_application_detail", wiki)),
        ("sso_application_detail_saml", url("sso_application_detail", crm)),
        ("sso_application_edit", url("sso_application_edit", wiki)),
        ("sso_application_edit_saml", url("sso_application_edit", crm)),
        ("sso_application_delete", url("sso_application_delete", wiki)),
        ("sso_application_secret_rotate", url("sso_application_secret_rotate", wiki)),
        (
            "sso_application_assignment_remove",
            url("sso_application_assignment_remove", wiki, a.to_sam.pk),
        ),
    ]


# The pages about one application (everything but the list and the two create pages).
OBJECT_PAGES = {
    "sso_application_detail",
    "sso_application_detail_saml",
    "sso_application_edit",
    "sso_application_edit_saml",
    "sso_application_delete",
    "sso_application_secret_rotate",
    "sso_application_assignment_remove",
}


def oidc_body(**overrides) -> dict:
    body = {
        "name": "Grafana",
        "description": "Dashboards",
        "client_type": "confidential",
        "redirect_uris": "https://grafana.example.test/login/generic_oauth\n\n",
        "post_logout_redirect_uris": "https://grafana.example.test/",
        "grant_types": ["authorization_code", "refresh_token"],
        "algorithm": "ES256",
        "require_pkce": "on",
        "access_token_seconds": "900",
        "id_token_seconds": "600",
        "refresh_token_seconds": "86400",
        "start_url": "https://grafana.example.test/login",
        "claim_mappings": "team = groups\norg = organization_id",
        "require_mfa": "",
        "mfa_max_age_minutes": "",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v != ""}


def saml_body(**overrides) -> dict:
    body = {
        "name": "Expenses",
        "description": "Travel and expenses",
        "metadata_xml": "",
        "entity_id": "https://expenses.example.test/sp",
        "acs_urls": "https://expenses.example.test/sp/acs",
        "signing_certificate": "",
        "encryption_certificate": "",
        "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        "attribute_mappings": "mail = email",
        "sign_response": "on",
        "sign_assertion": "on",
        "allow_unsigned_requests": "on",
        "default_relay_state": "/home",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v != ""}


# --- Every page renders -----------------------------------------------------------------------


def test_every_page_renders_for_the_management_root(admin, apps):
    for name, path in page_urls(apps):
        response = admin.get(path)
        assert response.status_code == 200, name
        assert "Sign out" in page_text(response), name
        assert apps.secret not in page_text(response), name


def test_identity_center_links_to_the_applications(admin, apps):
    home = page_text(admin.get(url("sso_home")))
    assert f'href="{url("sso_application_list")}"' in home
    assert re.search(r'data-testid="count-applications"><strong>2</strong>', home)
    # The tab is on every Identity Center list page.
    assert f'href="{url("sso_application_list")}"' in page_text(admin.get(url("sso_group_list")))


def test_list_shows_both_protocols(admin, apps):
    html = page_text(admin.get(url("sso_application_list")))
    rows = html.split('data-testid="sso-applications"')[1]
    wiki = rows.split(f'data-testid="application-{apps.wiki.application_id}"')[1].split("</tr>")[0]
    assert "Wiki" in wiki and "OpenID Connect" in wiki and apps.client.client_id in wiki
    assert "<td>2</td>" in wiki  # Sam and Platform
    crm = rows.split(f'data-testid="application-{apps.crm.application_id}"')[1].split("</tr>")[0]
    assert "SAML 2.0" in crm and "https://crm.example.test/saml" in crm
    assert url("sso_application_create_oidc") in html and url("sso_application_create_saml") in html


def test_detail_shows_the_issuer_the_client_id_and_the_assignments(admin, apps, organization):
    # The issuer the provider itself names: this site's host (the request's), /o/<org id>.
    html = page_text(admin.get(url("sso_application_detail", apps.wiki.application_id)))
    issuer = f"http://testserver/o/{organization.pk}"
    assert issuer in html and f"{issuer}/.well-known/openid-configuration" in html
    assert f"{issuer}/jwks" in html
    assert apps.client.client_id in html and apps.secret not in html
    assert apps.client.client_secret not in html  # not even its digest
    table = html.split('data-testid="application-assignments"')[1].split("</table>")[0]
    assert ">sam<" in table and ">Platform<" in table
    assert (
        url("sso_application_assignment_remove", apps.wiki.application_id, apps.to_sam.pk) in table
    )
    assert url("sso_application_secret_rotate", apps.wiki.application_id) in html


def test_saml_detail_links_the_identity_providers_metadata_and_certificate(admin, apps):
    html = page_text(admin.get(url("sso_application_detail", apps.crm.application_id)))
    assert "https://crm.example.test/saml/acs" in html
    metadata = reverse("applications:saml_metadata", args=[apps.crm.organization_id])
    certificate = reverse("applications:saml_certificate", args=[apps.crm.organization_id])
    assert 'data-testid="idp-metadata"' in html and metadata in html
    assert certificate in html
    # A SAML application has no client secret to rotate.
    assert url("sso_application_secret_rotate", apps.crm.application_id) not in html
    assert (
        admin.get(url("sso_application_secret_rotate", apps.crm.application_id)).status_code == 404
    )


# --- OpenID Connect: create, secret once, edit ---------------------------------------------------


def test_oidc_application_is_created_and_its_secret_shown_once(admin, organization):
    response = admin.post(url("sso_application_create_oidc"), oidc_body())
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = page_text(response)
    assert "only time the client secret is shown" in html
    secret = secret_on(response)
    grafana = Application.objects.get(organization=organization, name="Grafana")
    client = grafana.oidc
    assert client.client_id in html and f"/o/{organization.pk}" in html
    assert "/.well-known/openid-configuration" in html
    # Only its digest is stored, and it matches.
    assert client.client_secret.startswith("sha256$")
    assert app_services.secret_matches(client, secret)
    row = OIDCClient.objects.filter(pk=client.pk).values()[0]
    assert secret not in json.dumps(row, default=str)
    assert not any(secret in json.dumps(e, default=str) for e in AuditEvent.objects.values())
    # Nor is it kept anywhere for later: the session does not hold it, no page shows it again.
    assert secret not in json.dumps(dict(admin.session.items()), default=str)
    for path in (
        url("sso_application_detail", grafana.application_id),
        url("sso_application_edit", grafana.application_id),
        url("sso_application_list"),
    ):
        assert secret not in page_text(admin.get(path)), path

    assert client.client_type == "confidential" and client.algorithm == "ES256"
    assert client.grant_types == ["authorization_code", "refresh_token"]
    assert client.redirect_uris == "https://grafana.example.test/login/generic_oauth"
    assert client.post_logout_redirect_uris == "https://grafana.example.test/"
    assert (client.access_token_seconds, client.id_token_seconds) == (900, 600)
    assert client.refresh_token_seconds == 86400 and client.require_pkce
    assert client.claim_mappings == {"team": "groups", "org": "organization_id"}
    assert grafana.start_url == "https://grafana.example.test/login"
    assert grafana.description == "Dashboards" and not grafana.require_mfa
    assert events() == ["CreateApplication"]


def test_a_public_client_has_no_secret_and_always_pkce(admin, organization):
    body = oidc_body(name="Mobile", client_type="public", require_pkce="")
    response = admin.post(url("sso_application_create_oidc"), body)
    assert response.status_code == 200
    assert 'data-testid="client-secret"' not in page_text(response)
    assert "A public client has no client secret" in page_text(response)
    client = OIDCClient.objects.get(application__name="Mobile")
    assert client.client_type == "public" and client.require_pkce and client.client_secret == ""
    detail = page_text(admin.get(url("sso_application_detail", client.application.application_id)))
    assert url("sso_application_secret_rotate", client.application.application_id) not in detail
    rotate = url("sso_application_secret_rotate", client.application.application_id)
    assert admin.get(rotate).status_code == 404 and admin.post(rotate).status_code == 404
    # Client credentials are for a confidential client only.
    response = admin.post(
        url("sso_application_create_oidc"),
        oidc_body(name="Cli", client_type="public", grant_types=["client_credentials"]),
    )
    assert "cannot use client credentials" in field_errors(response, "grant_types")


def test_oidc_refusals_keep_what_was_typed(admin, apps, organization, settings):
    settings.SSO_OIDC_ALLOW_HTTP = False  # as in production
    cases = [
        ({"name": "wiki"}, "name", "already exists"),
        ({"name": "<script>"}, "name", "without control characters"),
        ({"redirect_uris": "http://evil.example.test/cb"}, "redirect_uris", "https://"),
        ({"redirect_uris": "https://a.example.test/*"}, "redirect_uris", "wildcard"),
        ({"redirect_uris": ""}, "redirect_uris", "needs at least one redirect URI"),
        ({"grant_types": []}, "grant_types", ""),
        ({"grant_types": ["refresh_token"]}, "grant_types", "only with the authorization code"),
        ({"claim_mappings": "team groups"}, "claim_mappings", "name = source"),
        ({"claim_mappings": "team = password"}, "claim_mappings", "is not a source"),
        ({"claim_mappings": "sub = user_id"}, "claim_mappings", "cannot be mapped"),
        ({"access_token_seconds": "5"}, "access_token_seconds", ""),
        ({"mfa_max_age_minutes": "0"}, "mfa_max_age_minutes", ""),
        ({"start_url": "javascript:alert(1)"}, "start_url", ""),
        ({"client_type": "trusted"}, "client_type", ""),
        ({"algorithm": "HS256"}, "algorithm", ""),
    ]
    for overrides, field, message in cases:
        body = oidc_body(**overrides)
        response = admin.post(url("sso_application_create_oidc"), body)
        assert response.status_code == 200, overrides
        errors = field_errors(response, field)
        assert errors and message in errors, (overrides, field, errors)
        html = page_text(response)
        assert "Dashboards" in html, overrides  # what was typed is kept
        assert 'data-testid="client-secret"' not in html
    assert Application.objects.filter(organization=organization).count() == 2
    assert events("CreateApplication") == []


def test_oidc_application_is_edited(admin, apps):
    edit = url("sso_application_edit", apps.wiki.application_id)
    html = page_text(admin.get(edit))
    assert 'value="Wiki"' in html and "https://wiki.example.test/callback" in html
    assert "cannot be changed" in html and 'name="client_type"' not in html
    body = oidc_body(
        name="Team wiki",
        client_type="public",  # ignored: the type stays
        redirect_uris="https://wiki.example.test/callback\nhttps://wiki.example.test/cb2",
        grant_types=["authorization_code"],
        require_mfa="on",
        mfa_max_age_minutes="15",
        start_url="",
    )
    response = admin.post(edit, body)
    assert response["Location"] == url("sso_application_detail", apps.wiki.application_id)
    apps.wiki.refresh_from_db()
    client = OIDCClient.objects.get(pk=apps.client.pk)
    assert apps.wiki.name == "Team wiki" and client.name == "Team wiki"
    assert client.client_type == "confidential"
    assert client.redirect_uris.split() == [
        "https://wiki.example.test/callback",
        "https://wiki.example.test/cb2",
    ]
    assert client.grant_types == ["authorization_code"]
    assert apps.wiki.require_mfa and apps.wiki.mfa_max_age_minutes == 15
    assert apps.wiki.start_url == ""
    assert app_services.secret_matches(client, apps.secret)  # editing keeps the secret
    assert events() == ["UpdateApplication"]

    # A refusal keeps what was typed and changes nothing.
    response = admin.post(edit, oidc_body(name="CRM"))
    assert "already exists" in field_errors(response, "name")
    assert "Dashboards" in page_text(response)
    apps.wiki.refresh_from_db()
    assert apps.wiki.name == "Team wiki"
    assert events() == ["UpdateApplication"]


# --- Secret rotation ------------------------------------------------------------------------


def test_secret_rotation_asks_first_then_shows_the_new_secret_once(admin, apps):
    rotate = url("sso_application_secret_rotate", apps.wiki.application_id)
    html = page_text(admin.get(rotate))
    assert "keeps working for 24 more hours" in html
    assert OIDCClient.objects.get(pk=apps.client.pk).secret_rotated is None  # a GET changes nothing

    response = admin.post(rotate)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    new = secret_on(response)
    assert new != apps.secret
    assert "previous secret keeps working for 24 hours" in page_text(response)
    client = OIDCClient.objects.get(pk=apps.client.pk)
    # Both work during the overlap; only digests are stored.
    assert app_services.secret_matches(client, new)
    assert app_services.secret_matches(client, apps.secret)
    row = json.dumps(OIDCClient.objects.filter(pk=client.pk).values()[0], default=str)
    assert new not in row and apps.secret not in row
    assert not any(new in json.dumps(e, default=str) for e in AuditEvent.objects.values())
    assert events() == ["RotateApplicationClientSecret"]
    detail = page_text(admin.get(url("sso_application_detail", apps.wiki.application_id)))
    assert new not in detail and "The previous secret works until" in detail

    # A second rotation ends the first secret at once.
    newer = secret_on(admin.post(rotate))
    client.refresh_from_db()
    assert app_services.secret_matches(client, newer) and app_services.secret_matches(client, new)
    assert not app_services.secret_matches(client, apps.secret)


def test_the_overlap_ends_after_a_day(admin, apps, time_machine):
    rotate = url("sso_application_secret_rotate", apps.wiki.application_id)
    new = secret_on(admin.post(rotate))
    time_machine.move_to(timezone.now() + timedelta(hours=24, minutes=1))
    client = OIDCClient.objects.get(pk=apps.client.pk)
    assert app_services.secret_matches(client, new)
    assert not app_services.secret_matches(client, apps.secret)


# --- SAML ----------------------------------------------------------------------------------------


def test_saml_application_from_typed_settings(admin, organization):
    response = admin.post(url("sso_application_create_saml"), saml_body())
    expenses = Application.objects.get(organization=organization, name="Expenses")
    assert response["Location"] == url("sso_application_detail", expenses.application_id)
    provider = expenses.saml
    assert provider.entity_id == "https://expenses.example.test/sp"
    assert provider.acs_urls == ["https://expenses.example.test/sp/acs"]
    assert provider.attribute_mappings == {"mail": "email"}
    assert provider.allow_unsigned_requests and provider.sign_response and provider.sign_assertion
    assert not provider.encrypt_assertion and provider.metadata_xml == ""
    assert provider.default_relay_state == "/home"
    assert events() == ["CreateApplication"]


def test_saml_application_from_uploaded_metadata(admin, organization):
    document = sp_metadata(
        acs=("https://sp.example.test/saml/acs", "https://sp.example.test/saml/acs2")
    )
    upload = SimpleUploadedFile("metadata.xml", document.encode(), content_type="text/xml")
    body = saml_body(
        entity_id="",
        acs_urls="",
        allow_unsigned_requests="",
        encrypt_assertion="on",
        name_id_format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    )
    response = admin.post(url("sso_application_create_saml"), {**body, "metadata_file": upload})
    assert response.status_code == 302, field_errors(response, "metadata_file") or page_text(
        response
    )
    provider = SAMLServiceProvider.objects.get(application__name="Expenses")
    assert provider.entity_id == "https://sp.example.test/saml"
    assert provider.acs_urls == [
        "https://sp.example.test/saml/acs",
        "https://sp.example.test/saml/acs2",
    ]  # the HTTP-Redirect one is not an ACS Tobira posts to
    assert provider.signing_certificate.startswith("-----BEGIN CERTIFICATE-----")
    assert provider.encryption_certificate.startswith("-----BEGIN CERTIFICATE-----")
    assert provider.signing_certificate != provider.encryption_certificate
    assert provider.encrypt_assertion and not provider.allow_unsigned_requests
    assert provider.metadata_xml == document


def test_saml_metadata_decides_against_what_contradicts_it(admin, organization):
    document = sp_metadata()  # signs its requests, asks for email addresses
    response = admin.post(
        url("sso_application_create_saml"),
        saml_body(metadata_xml=document, entity_id="", acs_urls=""),
    )
    assert "signs its requests" in field_errors(response, "allow_unsigned_requests")
    assert "asks for: Email address" in field_errors(response, "name_id_format")
    assert "urn:oasis:names:tc:SAML:2.0:metadata" in page_text(response)  # the XML is kept
    assert not SAMLServiceProvider.objects.exists()


HOSTILE = {
    "xxe": (
        '<?xml version="1.0"?><!DOCTYPE md [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&x;"/>'
    ),
    "billion laughs": (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol3;"/>'
    ),
    "not xml": "this is not metadata",
}


def test_hostile_metadata_is_refused_with_a_form_error(admin, organization):
    for name, document in HOSTILE.items():
        response = admin.post(url("sso_application_create_saml"), saml_body(metadata_xml=document))
        assert response.status_code == 200, name
        assert field_errors(response, "metadata_xml"), name
        assert "root:" not in page_text(response)
    big = sp_metadata(extra="<!--" + "x" * 300_000 + "-->")
    upload = SimpleUploadedFile("metadata.xml", big.encode(), content_type="text/xml")
    response = admin.post(
        url("sso_application_create_saml"), {**saml_body(), "metadata_file": upload}
    )
    assert "larger than 256 KB" in field_errors(response, "metadata_file")
    assert not SAMLServiceProvider.objects.exists()
    assert events() == []


def test_saml_refusals_keep_what_was_typed(admin, apps, settings):
    settings.SSO_OIDC_ALLOW_HTTP = False  # as in production
    cases = [
        ({"entity_id": "", "acs_urls": ""}, "entity_id", "or give the service provider"),
        ({"acs_urls": ""}, "acs_urls", "at least one ACS URL"),
        ({"acs_urls": "http://expenses.example.test/acs"}, "acs_urls", "https://"),
        ({"entity_id": "https://crm.example.test/saml"}, "entity_id", "has this entity ID"),
        ({"encrypt_assertion": "on"}, "encryption_certificate", "certificate"),
        ({"sign_response": "", "sign_assertion": ""}, "sign_response", "or both"),
        ({"allow_unsigned_requests": ""}, "signing_certificate", "accept unsigned"),
        (
            {"signing_certificate": "-----BEGIN CERTIFICATE-----\nnope"},
            "signing_certificate",
            "PEM",
        ),
        ({"attribute_mappings": "mail = ssn"}, "attribute_mappings", "is not a source"),
    ]
    for overrides, field, message in cases:
        response = admin.post(url("sso_application_create_saml"), saml_body(**overrides))
        assert response.status_code == 200, overrides
        errors = field_errors(response, field)
        assert errors and message in errors, (overrides, field, errors)
        assert "Travel and expenses" in page_text(response), overrides
    assert SAMLServiceProvider.objects.count() == 1
    # A pasted certificate is accepted and stored as PEM.
    response = admin.post(
        url("sso_application_create_saml"),
        saml_body(signing_certificate=certificate_pem(), allow_unsigned_requests=""),
    )
    assert response.status_code == 302
    provider = SAMLServiceProvider.objects.get(application__name="Expenses")
    assert provider.signing_certificate == certificate_pem()


def test_saml_application_is_edited(admin, apps):
    edit = url("sso_application_edit", apps.crm.application_id)
    html = page_text(admin.get(edit))
    assert "https://crm.example.test/saml/acs" in html and 'value="CRM"' in html
    body = saml_body(
        name="CRM",
        entity_id="https://crm.example.test/saml",
        acs_urls="https://crm.example.test/saml/acs\nhttps://crm.example.test/saml/acs2",
        encryption_certificate=certificate_pem("enc.example.test"),
        encrypt_assertion="on",
    )
    assert admin.post(edit, body).status_code == 302
    provider = SAMLServiceProvider.objects.get(application=apps.crm)
    assert provider.acs_urls[-1] == "https://crm.example.test/saml/acs2"
    assert provider.encrypt_assertion and provider.encryption_certificate
    # New metadata replaces the entity ID and URLs.
    document = sp_metadata("https://crm.example.test/v2", ("https://crm.example.test/v2/acs",))
    response = admin.post(
        edit,
        {
            **body,
            "metadata_xml": document,
            "allow_unsigned_requests": "",
            "name_id_format": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        },
    )
    assert response.status_code == 302, page_text(response)
    provider.refresh_from_db()
    assert provider.entity_id == "https://crm.example.test/v2"
    assert provider.acs_urls == ["https://crm.example.test/v2/acs"]
    assert provider.metadata_xml == document
    assert events() == ["UpdateApplication", "UpdateApplication"]


# --- Delete ----------------------------------------------------------------------------------------


def test_application_is_deleted_after_typing_its_name(admin, apps):
    delete = url("sso_application_delete", apps.wiki.application_id)
    html = page_text(admin.get(delete))
    assert "Its 2 assignments are removed with it." in html
    assert "tokens issued to the application" in html
    response = admin.post(delete, {"confirmation": "CRM"})
    assert "does not match" in page_text(response)
    assert Application.objects.filter(pk=apps.wiki.pk).exists()
    response = admin.post(delete, {"confirmation": "wiki"})
    assert response["Location"] == url("sso_application_list")
    assert not Application.objects.filter(pk=apps.wiki.pk).exists()
    assert not OIDCClient.objects.filter(pk=apps.client.pk).exists()
    assert not ApplicationAssignment.objects.filter(application_id=apps.wiki.pk).exists()
    assert events() == ["DeleteApplication"]
    assert admin.get(delete).status_code == 404


# --- Assignments ---------------------------------------------------------------------------------------


def test_assignments_are_added_and_removed(admin, apps):
    detail = url("sso_application_detail", apps.crm.application_id)
    response = admin.post(detail, {"principal_type": "user", "principal_name": "OLGA"})
    assert response["Location"] == detail + "#assignments"
    assert ApplicationAssignment.objects.filter(application=apps.crm, user=apps.olga).exists()
    response = admin.post(detail, {"principal_type": "user", "principal_name": "olga"})
    assert "already exists" in field_errors(response, "principal_name")
    response = admin.post(detail, {"principal_type": "group", "principal_name": "nobody"})
    assert "no group with this name" in field_errors(response, "principal_name")
    assert 'value="nobody"' in page_text(response)
    response = admin.post(detail, {"principal_type": "user", "principal_name": "Platform"})
    assert "no user with this name" in field_errors(response, "principal_name")
    assert (
        admin.post(detail, {"principal_type": "group", "principal_name": "platform"}).status_code
        == 302
    )
    assert ApplicationAssignment.objects.filter(application=apps.crm).count() == 2

    olga = ApplicationAssignment.objects.get(application=apps.crm, user=apps.olga)
    remove = url("sso_application_assignment_remove", apps.crm.application_id, olga.pk)
    assert "Remove user olga from CRM?" in page_text(admin.get(remove))
    assert ApplicationAssignment.objects.filter(pk=olga.pk).exists()  # a GET changes nothing
    assert admin.post(remove)["Location"] == detail + "#assignments"
    assert not ApplicationAssignment.objects.filter(pk=olga.pk).exists()
    assert admin.get(remove).status_code == 404
    assert events() == [
        "CreateApplicationAssignment",
        "CreateApplicationAssignment",
        "DeleteApplicationAssignment",
    ]


def test_iam_users_are_not_assignable(admin, apps, alice):
    detail = url("sso_application_detail", apps.crm.application_id)
    response = admin.post(detail, {"principal_type": "user", "principal_name": "alice"})
    assert "no user with this name" in field_errors(response, "principal_name")


def test_an_assignment_is_reached_only_through_its_application(admin, apps):
    """Another application's id in the URL does not reach the assignment."""
    wrong = url("sso_application_assignment_remove", apps.crm.application_id, apps.to_sam.pk)
    assert admin.get(wrong).status_code == 404
    assert admin.post(wrong).status_code == 404
    assert ApplicationAssignment.objects.filter(pk=apps.to_sam.pk).exists()


def test_every_form_survives_an_empty_post(admin, apps):
    for name, path in page_urls(apps):
        if name in ("sso_application_secret_rotate", "sso_application_assignment_remove"):
            continue  # confirmation pages: the POST is the action
        assert admin.post(path, {}).status_code == 200, name


# --- Who may use the pages -------------------------------------------------------------------------


def test_a_principal_without_the_action_gets_403(client, apps, make_iam_user):
    ops = make_iam_user(name="ops", self_service=False)
    client.force_login(ops)
    for name, path in page_urls(apps):
        assert client.get(path).status_code == 403, name
        assert client.post(path, {"confirmation": "wiki"}).status_code == 403, name
    assert Application.objects.count() == 2 and ApplicationAssignment.objects.count() == 2


def test_a_viewer_sees_but_is_offered_no_changes(client, apps, make_iam_user):
    viewer = make_iam_user(name="viewer", self_service=False)
    iam_policies.inline_policy_put(actor=None, user=viewer, name="SSOView", document=SSO_VIEW_ONLY)
    client.force_login(viewer)
    html = page_text(client.get(url("sso_application_list")))
    assert "Wiki" in html and url("sso_application_create_oidc") not in html
    detail = page_text(client.get(url("sso_application_detail", apps.wiki.application_id)))
    assert ">sam<" in detail  # sso:ListApplicationAssignments
    main = detail.split("<main", 1)[1]
    for offer in ("/edit", "/delete", "/secret/rotate", "/assignments/", 'id="assign"'):
        assert offer not in main, offer
    assert client.get(url("sso_application_create_oidc")).status_code == 403
    response = client.post(
        url("sso_application_detail", apps.wiki.application_id),
        {"principal_type": "user", "principal_name": "olga"},
    )
    assert response.status_code == 403
    assert (
        client.post(url("sso_application_secret_rotate", apps.wiki.application_id)).status_code
        == 403
    )
    assert events() == []


def test_without_list_assignments_the_detail_hides_them(client, apps, make_iam_user):
    describe_only = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "sso:DescribeApplication", "Resource": "*"}
            ],
        }
    )
    reader = make_iam_user(name="reader", self_service=False)
    iam_policies.inline_policy_put(actor=None, user=reader, name="D", document=describe_only)
    client.force_login(reader)
    html = page_text(client.get(url("sso_application_detail", apps.wiki.application_id)))
    assert "You may not list who is assigned" in html and ">sam<" not in html


SSO_ADMIN_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["sso:*", "identitystore:*"], "Resource": "*"}],
    }
)


def test_an_iam_user_with_the_policy_may_administer(client, apps, make_iam_user):
    ops = make_iam_user(name="ops", self_service=False)
    iam_policies.inline_policy_put(actor=None, user=ops, name="SSO", document=SSO_ADMIN_POLICY)
    client.force_login(ops)
    for name, path in page_urls(apps):
        assert client.get(path).status_code == 200, name
    response = client.post(url("sso_application_create_saml"), saml_body())
    assert response.status_code == 302
    event = AuditEvent.objects.get(
        event_name="CreateApplication", request_parameters__name="Expenses"
    )
    assert event.user_identity["type"] == "IAMUser"


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_member_accounts_root_and_an_sso_user_get_404(client, apps, member_root, method):
    for principal in (member_root, apps.sam):
        client.force_login(principal)
        before = AuditEvent.objects.count()
        for name, path in page_urls(apps):
            response = getattr(client, method)(path, {"confirmation": "wiki", "name": "x"})
            assert response.status_code in ((302, 404) if principal is apps.sam else (404,)), name
            assert apps.client.client_id not in page_text(response)
        assert AuditEvent.objects.count() == before
    assert Application.objects.count() == 2 and ApplicationAssignment.objects.count() == 2


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("intruder", ["other_root", "other_admin"])
def test_another_organization_gets_404_for_every_application_url(
    client, apps, other_organization, method, intruder, request
):
    principal = intruder_principal(intruder, other_organization, request)
    client.force_login(principal)
    before = AuditEvent.objects.count()
    body = {
        "confirmation": "wiki",
        "principal_type": "user",
        "principal_name": "sam",
        **oidc_body(name="Wiki"),
    }
    object_pages = [(n, p) for n, p in page_urls(apps) if n in OBJECT_PAGES]
    assert len(object_pages) == 7
    for name, path in object_pages:
        response = getattr(client, method)(path, body)
        assert response.status_code == 404, name
    assert AuditEvent.objects.count() == before
    assert Application.objects.count() == 2 and ApplicationAssignment.objects.count() == 2
    client_row = OIDCClient.objects.get(pk=apps.client.pk)
    assert (
        app_services.secret_matches(client_row, apps.secret) and client_row.secret_rotated is None
    )
    # Their own list shows their own (empty) applications.
    html = page_text(client.get(url("sso_application_list")))
    assert "Wiki" not in html and "CRM" not in html


def test_unknown_ids_are_404(admin, apps):
    for path in (
        url("sso_application_detail", "app-0000000000000000"),
        url("sso_application_detail", "x" * 300),
        url("sso_application_edit", "missing"),
        url("sso_application_assignment_remove", apps.wiki.application_id, 999999),
    ):
        assert admin.get(path).status_code == 404, path


# --- Constant query counts ----------------------------------------------------------------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _fill(organization, start: int, end: int, target: Application) -> None:
    for n in range(start, end):
        user = make_sso_user(organization, name=f"user{n}", password=None)
        group = services.sso_group_create(actor=None, organization=organization, name=f"g{n}")
        if n % 2:
            app, _client, _secret = app_services.oidc_application_create(
                actor=None,
                organization=organization,
                name=f"App {n}",
                redirect_uris=[f"https://app{n}.example.test/cb"],
            )
        else:
            app, _provider = app_services.saml_application_create(
                actor=None,
                organization=organization,
                name=f"App {n}",
                entity_id=f"https://app{n}.example.test",
                acs_urls=[f"https://app{n}.example.test/acs"],
            )
        app_services.assignment_add(actor=None, application=app, user=user)
        app_services.assignment_add(actor=None, application=target, user=user)
        app_services.assignment_add(actor=None, application=target, group=group)


def test_list_and_detail_pages_have_a_constant_number_of_queries(
    admin, apps, organization, django_assert_max_num_queries
):
    pages = [
        url("sso_application_list"),
        url("sso_application_detail", apps.wiki.application_id),
        url("sso_application_detail", apps.crm.application_id),
    ]
    _fill(organization, 0, 2, apps.wiki)
    few = {path: _queries(admin, path) for path in pages}
    _fill(organization, 2, 30, apps.wiki)
    for path in pages:
        with django_assert_max_num_queries(few[path]):
            assert admin.get(path).status_code == 200
    assert "Page 1 of 2" in page_text(admin.get(url("sso_application_list")))
    detail = page_text(admin.get(url("sso_application_detail", apps.wiki.application_id)))
    assert "Page 1 of 3" in detail


def test_pages_render_in_japanese(admin, apps):
    admin.post(reverse("set_language"), {"language": "ja"})
    for name, path in page_urls(apps):
        response = admin.get(path)
        assert response.status_code == 200, name
        assert 'lang="ja"' in page_text(response)
