"""What Tobira's SAML identity provider refuses (issue 15): every refusal is a page that says
why (status 400, or 403 for the person's access), an ApplicationSignInRefused event with the
reason, and no SAMLResponse. The requests come from node-saml where a real service provider
would send them, and are made by hand where none would (old, hostile, SHA-1...)."""

from __future__ import annotations

import base64
import time
import zlib
from datetime import UTC, datetime, timedelta

import defusedxml
import pytest
from django.urls import reverse
from saml2 import samlp

from identity.models import AuditEvent
from sso.applications import services
from sso.applications.saml import idp
from tests.support.saml import (
    RSA_SHA1,
    SP_ACS_URL,
    SP_ENTITY_ID,
    authn_request,
    key_pair,
    local,
    metadata_of,
    posted_form,
    redirect_path,
    run_service_provider,
)
from tests.support.sso import make_sso_user, signin_portal

pytestmark = pytest.mark.django_db


def refused(response, reason: str, status: int = 400) -> None:
    body = response.content.decode()
    assert response.status_code == status, (response.status_code, body[:500])
    assert f'data-reason="{reason}"' in body
    assert "SAMLResponse" not in body


def refusal_event(reason: str) -> AuditEvent:
    event = AuditEvent.objects.get(event_name="ApplicationSignInRefused")
    assert event.error_code == reason
    assert event.request_parameters["protocol"] == "saml"
    return event


def signed(organization, **fields) -> str:
    return redirect_path(organization, authn_request(organization, **fields), key=key_pair("sp")[0])


def test_an_unknown_issuer_is_refused(client, organization, saml_app):
    xml = authn_request(organization, issuer="https://stranger.example.test")
    response = client.get(redirect_path(organization, xml, key=key_pair("sp")[0]))
    refused(response, "UnknownServiceProvider")
    event = refusal_event("UnknownServiceProvider")
    assert event.request_parameters["applicationId"] is None
    assert event.request_parameters["spEntityId"] == "https://stranger.example.test"


def test_an_unregistered_acs_url_is_refused(client, organization, saml_app, sam):
    signin_portal(client, organization)
    with run_service_provider(
        metadata_of(client, organization),
        SP_ENTITY_ID,
        "https://sp.example.test/saml/acs-elsewhere",
        private_key=key_pair("sp")[0],
    ) as sp:
        response = client.get(local(sp.authorize_url))
    refused(response, "UnregisteredAssertionConsumerService")
    event = refusal_event("UnregisteredAssertionConsumerService")
    assert event.request_parameters["applicationId"] == saml_app.application.application_id
    # A prefix of a registered URL is not it either: the comparison is exact.
    response = client.get(signed(organization, acs_url=SP_ACS_URL + "/../evil"))
    refused(response, "UnregisteredAssertionConsumerService")


def test_a_registered_acs_url_other_than_the_first_is_answered_there(
    client, organization, saml_app, sam
):
    signin_portal(client, organization)
    second = "https://sp.example.test/saml/acs2"
    form = posted_form(client.get(signed(organization, acs_url=second)))
    assert form["action"] == second
    assert f'Destination="{second}"' in base64.b64decode(form["SAMLResponse"]).decode()


def test_a_replayed_request_id_is_refused(client, organization, saml_app, sam):
    signin_portal(client, organization)
    with run_service_provider(
        metadata_of(client, organization),
        SP_ENTITY_ID,
        SP_ACS_URL,
        private_key=key_pair("sp")[0],
    ) as sp:
        first = client.get(local(sp.authorize_url))
        again = client.get(local(sp.authorize_url))
        assert sp.finish(posted_form(first))["profile"]["nameID"] == sam.unique_id
    refused(again, "ReplayedRequest")
    refusal_event("ReplayedRequest")
    # The same ID in a new request (another signature) is the same request.
    request_id = "_" + "ab" * 16
    assert client.get(signed(organization, request_id=request_id)).status_code == 200
    refused(client.get(signed(organization, request_id=request_id)), "ReplayedRequest")


@pytest.mark.parametrize("minutes", [-4, 4])
def test_a_request_issued_more_than_three_minutes_away_is_refused(
    client, organization, saml_app, sam, minutes
):
    signin_portal(client, organization)
    issued = datetime.now(UTC) + timedelta(minutes=minutes)
    refused(client.get(signed(organization, issued=issued)), "IssueInstantOutOfRange")
    refusal_event("IssueInstantOutOfRange")
    # Two minutes is within the skew.
    issued = datetime.now(UTC) + timedelta(minutes=minutes // 2)
    assert client.get(signed(organization, issued=issued)).status_code == 200


def test_an_unsigned_request_is_refused_unless_the_provider_allows_it(
    client, organization, saml_app, sam
):
    signin_portal(client, organization)
    metadata = metadata_of(client, organization)
    with run_service_provider(metadata, SP_ENTITY_ID, SP_ACS_URL) as sp:
        refused(client.get(local(sp.authorize_url)), "UnsignedRequest")
    refusal_event("UnsignedRequest")
    services.application_update(
        actor=None, application=saml_app.application, changes={"allow_unsigned_requests": True}
    )
    with run_service_provider(metadata, SP_ENTITY_ID, SP_ACS_URL) as sp:
        result = sp.finish(posted_form(client.get(local(sp.authorize_url))))
    assert result["profile"]["nameID"] == sam.unique_id


def test_a_signature_that_does_not_verify_is_refused_even_when_unsigned_ones_are_allowed(
    client, organization, saml_app, sam
):
    services.application_update(
        actor=None, application=saml_app.application, changes={"allow_unsigned_requests": True}
    )
    signin_portal(client, organization)
    other_key, _certificate = key_pair("someone-else")
    xml = authn_request(organization)
    refused(client.get(redirect_path(organization, xml, key=other_key)), "InvalidSignature")
    # Signed with the right key, then the RelayState changed on the way.
    path = redirect_path(
        organization, authn_request(organization), relay_state="a", key=key_pair("sp")[0]
    )
    refused(client.get(path.replace("RelayState=a", "RelayState=b")), "InvalidSignature")
    # SHA-1 is not accepted, whoever signed.
    xml = authn_request(organization)
    path = redirect_path(organization, xml, key=key_pair("sp")[0], sigalg=RSA_SHA1)
    refused(client.get(path), "InvalidSignature")
    # An embedded (HTTP-POST) signature by another key.
    with run_service_provider(
        metadata_of(client, organization),
        SP_ENTITY_ID,
        SP_ACS_URL,
        binding="post",
        private_key=other_key,
    ) as sp:
        response = client.post(local(sp.form["action"]), {"SAMLRequest": sp.form["SAMLRequest"]})
    refused(response, "InvalidSignature")
    assert (
        AuditEvent.objects.filter(
            event_name="ApplicationSignInRefused", error_code="InvalidSignature"
        ).count()
        == 4
    )


def test_a_person_not_assigned_is_refused_on_a_page_and_in_the_audit(
    client, organization, saml_app
):
    make_sso_user(organization, name="olga")
    signin_portal(client, organization, name="olga")
    response = client.get(signed(organization))
    body = response.content.decode()
    assert response.status_code == 403
    assert 'data-testid="application-refused"' in body and 'data-reason="NotAssigned"' in body
    assert "SAMLResponse" not in body
    event = AuditEvent.objects.get(event_name="ApplicationSignInRefused")
    assert event.error_code == "NotAssigned"
    assert event.user_identity["userName"] == "olga"
    assert event.request_parameters["applicationId"] == saml_app.application.application_id
    assert not AuditEvent.objects.filter(event_name="SAMLAssertionIssued").exists()


def test_another_organizations_urls_are_not_found(
    client, organization, other_organization, saml_app, sam
):
    signin_portal(client, organization)
    application_id = saml_app.application.application_id
    for name, args in (
        ("saml_metadata", []),
        ("saml_certificate", []),
        ("saml_sso", []),
        ("saml_start", [application_id]),
    ):
        url = reverse(f"applications:{name}", args=["o-doesnotexist", *args])
        assert client.get(url).status_code == 404, url
    # The application is this organization's: under the other one's id it does not exist.
    url = reverse("applications:saml_start", args=[other_organization.pk, application_id])
    assert client.get(url, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 404
    assert client.post(url).status_code == 404
    # This organization's request sent to the other one's endpoint is answered by nobody.
    path = signed(organization).replace(organization.pk, other_organization.pk, 1)
    refused(client.get(path), "MalformedRequest")
    assert not AuditEvent.objects.filter(event_name="SAMLAssertionIssued").exists()


XXE = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "lol">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + "]>"
)


@pytest.mark.parametrize(
    ("prologue", "entity"), [(XXE, "&xxe;"), (LAUGHS, "&j;")], ids=["xxe", "laughs"]
)
def test_documents_with_entities_are_refused_without_being_expanded(
    client, organization, saml_app, sam, prologue, entity
):
    services.application_update(
        actor=None, application=saml_app.application, changes={"allow_unsigned_requests": True}
    )
    signin_portal(client, organization)
    xml = authn_request(organization, prologue=prologue, issuer_text=entity)
    started = time.monotonic()
    response = client.get(redirect_path(organization, xml))
    assert time.monotonic() - started < 5
    refused(response, "MalformedRequest")
    assert "root:" not in response.content.decode()
    # It is pysaml2's defusedxml that refuses them: no DTD, no entity, ever.
    with pytest.raises(defusedxml.DefusedXmlException):
        samlp.authn_request_from_string(xml)


def test_a_deflate_bomb_and_oversized_parameters_are_refused_before_parsing(
    client, organization, saml_app, sam
):
    signin_portal(client, organization)
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = deflater.compress(b"<" + b" " * (20 * 1024 * 1024)) + deflater.flush()
    encoded = base64.b64encode(bomb).decode()
    assert len(encoded) < idp.MAX_ENCODED_REQUEST
    url = reverse("applications:saml_sso", args=[organization.pk])
    refused(client.get(url, {"SAMLRequest": encoded}), "MalformedRequest")
    refused(
        client.get(url, {"SAMLRequest": "A" * (idp.MAX_ENCODED_REQUEST + 4)}), "MalformedRequest"
    )
    refused(client.post(url, {"SAMLRequest": "not base64!"}), "MalformedRequest")
    path = signed(organization) + "&RelayState=" + "r" * 1000
    refused(client.get(path), "MalformedRequest")


def test_a_request_for_another_binding_than_http_post_is_refused(
    client, organization, saml_app, sam
):
    signin_portal(client, organization)
    artifact = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
    refused(client.get(signed(organization, binding=artifact)), "UnsupportedBinding")


def test_a_resume_token_of_another_session_is_refused(client, organization, saml_app, sam):
    response = client.get(signed(organization))
    assert response.status_code == 302  # to the sign-in; the request waits in this session
    resume = response["Location"].split("next=")[1]
    client.cookies.clear()
    from urllib.parse import unquote

    refused(client.get(unquote(resume)), "RequestExpired")
