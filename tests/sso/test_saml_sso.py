"""SP-initiated SAML sign-in (issue 15), validated by node-saml, a service provider
independent of the pysaml2 that signs: signatures, InResponseTo, audience, NameID,
attributes, RelayState, encryption, and the sign-in and MFA steps on the way."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from django.urls import reverse

from identity.models import AuditEvent, User
from mfa.totp import services as totp_services
from sso import services as sso_services
from sso.applications import services
from sso.applications.models import SAMLServiceProvider
from sso.applications.saml import idp
from tests.conftest import PASSWORD
from tests.support.mfa import mfa_login
from tests.support.saml import (
    IDP_BASE,
    SP_ACS_URL,
    SP_ENTITY_ID,
    ServiceProviderError,
    key_pair,
    local,
    metadata_of,
    posted_form,
    run_service_provider,
)
from tests.support.sso import make_sso_user, signin_portal

pytestmark = pytest.mark.django_db

EMAIL = SAMLServiceProvider.NameIDFormat.EMAIL


def test_a_signed_redirect_request_gets_a_signed_response_node_saml_accepts(
    client, organization, saml_app, sam
):
    for name in ("Writers", "Admins"):
        group = sso_services.sso_group_create(actor=None, organization=organization, name=name)
        sso_services.sso_group_membership_set(actor=None, group=group, user=sam, member=True)
    signin_portal(client, organization)
    private_key, _certificate = key_pair("sp")
    with run_service_provider(
        metadata_of(client, organization),
        SP_ENTITY_ID,
        SP_ACS_URL,
        relay_state="relay-123",
        private_key=private_key,
    ) as sp:
        form = posted_form(client.get(local(sp.authorize_url)))
        assert form["action"] == SP_ACS_URL
        result = sp.finish(form)
    profile = result["profile"]
    assert profile["nameID"] == sam.unique_id
    assert profile["nameIDFormat"] == "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    assert profile["attributes"] == {
        "email": "sam@example.test",
        "displayName": "sam",
        "groups": ["Admins", "Writers"],
    }
    assert profile["issuer"] == f"{IDP_BASE}/o/{organization.pk}/saml/metadata"
    assert profile["sessionIndex"]
    # The cached server remembers nothing of it (pysaml2 would keep every assertion).
    server = idp.server_for(organization)
    assert server.session_db.assertion == {} and server.session_db.authn == {}
    assert dict(server.ident.db) == {}
    assert result["relay_state"] == "relay-123"


def _sp(client, organization, **options):
    return run_service_provider(
        metadata_of(client, organization), SP_ENTITY_ID, SP_ACS_URL, **options
    )


def _signin(client, portal_url):
    """The portal's sign-in form, posted where it was shown, with the ``next`` it carried."""
    next_url = parse_qs(urlsplit(portal_url).query)["next"][0]
    return client.post(portal_url, {"user_name": "sam", "password": PASSWORD, "next": next_url})


def _signed(**options):
    return {"private_key": key_pair("sp")[0], **options}


def test_a_signed_post_request_is_handed_to_the_session_and_answered(
    client, organization, saml_app, sam
):
    signin_portal(client, organization)
    with _sp(client, organization, binding="post", relay_state="r-post", **_signed()) as sp:
        form = sp.form
        assert form["action"].endswith(f"/o/{organization.pk}/saml/sso")
        response = client.post(
            local(form["action"]),
            {"SAMLRequest": form["SAMLRequest"], "RelayState": form["RelayState"]},
        )
        # No session cookie comes with a cross-site POST (SameSite=Lax): a GET of this site
        # picks the verified request up, once.
        assert response.status_code == 303
        handoff = response["Location"]
        assert "SAMLRequest" not in handoff
        result = sp.finish(posted_form(client.get(handoff)))
        assert client.get(handoff).status_code == 400  # single use
    assert result["profile"]["nameID"] == sam.unique_id
    assert result["relay_state"] == "r-post"


def test_signing_in_first_resumes_the_same_request(client, organization, saml_app, sam):
    with _sp(client, organization, relay_state="after-signin", **_signed()) as sp:
        response = client.get(local(sp.authorize_url))
        assert response.status_code == 302
        portal = response["Location"]
        assert portal.startswith(reverse("sso:portal", args=[organization.pk]) + "?next=")
        next_url = parse_qs(urlsplit(portal).query)["next"][0]
        assert "SAMLRequest" not in next_url and "resume=" in next_url  # kept in the session
        response = _signin(client, portal)
        assert response["Location"] == next_url
        result = sp.finish(posted_form(client.get(next_url)))
    assert result["profile"]["nameID"] == sam.unique_id
    assert result["authn_context"] == idp.PASSWORD_CLASS
    # The request was answered: resuming it again is refused, not answered twice.
    again = client.get(next_url)
    assert again.status_code == 400
    assert 'data-reason="RequestExpired"' in again.content.decode()


def test_force_authn_asks_for_the_password_again_then_answers_without_looping(
    client, organization, saml_app, sam
):
    signin_portal(client, organization)
    with _sp(client, organization, force_authn=True, **_signed()) as sp:
        response = client.get(local(sp.authorize_url))
        assert response.status_code == 302
        query = parse_qs(urlsplit(response["Location"]).query)
        assert query["reauth"] == ["1"]
        page = client.get(response["Location"])
        assert 'data-testid="reauth-note"' in page.content.decode()
        response = _signin(client, response["Location"])
        assert response["Location"] == query["next"][0]
        result = sp.finish(posted_form(client.get(query["next"][0])))
    assert result["profile"]["nameID"] == sam.unique_id


def test_an_encrypted_assertion_is_decrypted_by_the_service_provider_only(
    client, organization, saml_app, sam
):
    decryption_key, encryption_certificate = key_pair("sp-encryption")
    services.application_update(
        actor=None,
        application=saml_app.application,
        changes={"encrypt_assertion": True, "encryption_certificate": encryption_certificate},
    )
    signin_portal(client, organization)
    with _sp(client, organization, decryption_key=decryption_key, **_signed()) as sp:
        form = posted_form(client.get(local(sp.authorize_url)))
        xml = base64.b64decode(form["SAMLResponse"]).decode()
        assert "EncryptedAssertion" in xml and "aes256-gcm" in xml and "rsa-oaep-mgf1p" in xml
        assert "sam@example.test" not in xml and sam.unique_id not in xml
        result = sp.finish(form)
    assert result["encrypted"] is True
    assert result["profile"]["attributes"]["email"] == "sam@example.test"
    # Without the key, node-saml cannot read it.
    with _sp(client, organization, **_signed()) as sp:
        form = posted_form(client.get(local(sp.authorize_url)))
        with pytest.raises(ServiceProviderError, match="decryption key"):
            sp.finish(form)


def test_a_tampered_assertion_is_rejected_by_the_service_provider(
    client, organization, saml_app, sam
):
    other = make_sso_user(organization, name="mallory")
    signin_portal(client, organization)
    with _sp(client, organization, **_signed()) as sp:
        form = posted_form(client.get(local(sp.authorize_url)))
        xml = base64.b64decode(form["SAMLResponse"]).decode()
        assert xml.count(sam.unique_id) == 1
        forged = xml.replace(sam.unique_id, other.unique_id)
        form["SAMLResponse"] = base64.b64encode(forged.encode()).decode()
        with pytest.raises(ServiceProviderError, match="(?i)signature"):
            sp.finish(form)


def test_the_assertion_expires_within_five_minutes(client, organization, saml_app, sam):
    signin_portal(client, organization)
    with _sp(client, organization, **_signed()) as sp:
        result = sp.finish(posted_form(client.get(local(sp.authorize_url))))
    not_on_or_after = datetime.fromisoformat(result["not_on_or_after"])
    assert not_on_or_after <= datetime.now(UTC) + timedelta(minutes=5)
    assert result["audience"] == SP_ENTITY_ID
    # A service provider whose clock is four minutes ahead still accepts it; past
    # NotOnOrAfter (five minutes and a half), it refuses the subject confirmation.
    with _sp(client, organization, clock_offset_seconds=4 * 60, **_signed()) as sp:
        assert sp.finish(posted_form(client.get(local(sp.authorize_url))))["profile"]
    with _sp(client, organization, clock_offset_seconds=5 * 60 + 30, **_signed()) as sp:
        form = posted_form(client.get(local(sp.authorize_url)))
        with pytest.raises(ServiceProviderError, match="No valid subject confirmation"):
            sp.finish(form)


@pytest.mark.parametrize(
    ("sign_response", "sign_assertion"),
    [(True, False), (False, True)],
    ids=["response", "assertion"],
)
def test_the_response_or_the_assertion_alone_is_signed_as_the_provider_says(
    client, organization, saml_app, sam, sign_response, sign_assertion
):
    services.application_update(
        actor=None,
        application=saml_app.application,
        changes={"sign_response": sign_response, "sign_assertion": sign_assertion},
    )
    signin_portal(client, organization)
    with _sp(
        client,
        organization,
        want_response_signed=sign_response,
        want_assertions_signed=sign_assertion,
        **_signed(),
    ) as sp:
        form = posted_form(client.get(local(sp.authorize_url)))
        xml = base64.b64decode(form["SAMLResponse"]).decode()
        assert xml.count("<ns2:SignatureValue>") == 1
        assert sp.finish(form)["profile"]["nameID"] == sam.unique_id
    # node-saml asking for both refuses the response with one signature only.
    with _sp(client, organization, **_signed()) as sp:
        form = posted_form(client.get(local(sp.authorize_url)))
        with pytest.raises(ServiceProviderError, match="(?i)signature"):
            sp.finish(form)


def test_an_email_name_id_is_the_contact_address_and_is_kept_out_of_the_audit(
    client, organization, saml_app, sam
):
    services.application_update(
        actor=None,
        application=saml_app.application,
        changes={"name_id_format": EMAIL},
    )
    signin_portal(client, organization)
    with _sp(client, organization, name_id_format=EMAIL, **_signed()) as sp:
        form = posted_form(client.get(local(sp.authorize_url)))
        result = sp.finish(form)
    assert result["profile"]["nameID"] == "sam@example.test"
    assert result["profile"]["nameIDFormat"] == EMAIL
    event = AuditEvent.objects.get(event_name="SAMLAssertionIssued")
    assert event.recipient_account_id == organization.management_account_id
    assert event.user_identity["userName"] == "sam"
    assert event.request_parameters["applicationId"] == saml_app.application.application_id
    assert event.request_parameters["spEntityId"] == SP_ENTITY_ID
    assert event.response_elements["nameIdFormat"] == EMAIL
    assert event.additional_event_data["amr"] == ["pwd"]
    recorded = json.dumps(
        [event.request_parameters, event.response_elements, event.additional_event_data]
    )
    assert "sam@example.test" not in recorded
    assert form["SAMLResponse"][:40] not in recorded and "Assertion" not in recorded


def test_an_email_name_id_without_an_address_is_refused_on_a_page(
    client, organization, saml_app, sam
):
    services.application_update(
        actor=None, application=saml_app.application, changes={"name_id_format": EMAIL}
    )
    User.objects.filter(pk=sam.pk).update(contact_email="")
    signin_portal(client, organization)
    with _sp(client, organization, **_signed()) as sp:
        response = client.get(local(sp.authorize_url))
    assert response.status_code == 403
    assert 'data-reason="NoEmailAddress"' in response.content.decode()
    assert "SAMLResponse" not in response.content.decode()
    refused = AuditEvent.objects.get(event_name="ApplicationSignInRefused")
    assert refused.error_code == "NoEmailAddress"
    assert not AuditEvent.objects.filter(event_name="SAMLAssertionIssued").exists()


def test_an_application_that_wants_a_recent_mfa_step_sends_the_person_to_it(
    client, organization, saml_app, sam
):
    services.application_update(
        actor=None, application=saml_app.application, changes={"mfa_max_age_minutes": 5}
    )
    device, key = totp_services.virtual_mfa_device_create(user=sam, name="sam-app")
    device.__class__.objects.filter(pk=device.pk).update(confirmed=True)
    mfa_login(client, sam)
    session = client.session
    session["tobira_mfa"]["at"] = int(time.time()) - 600  # ten minutes ago
    session.save()
    with _sp(client, organization, **_signed()) as sp:
        response = client.get(local(sp.authorize_url))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa:signin") + "?next=")
        resume = parse_qs(urlsplit(response["Location"]).query)["next"][0]
        code = pyotp.TOTP(base64.b32encode(key).decode()).now()
        response = client.post(
            response["Location"], {"device": device.pk, "code": code, "next": resume}
        )
        assert response["Location"] == resume
        result = sp.finish(posted_form(client.get(resume)))
    assert result["authn_context"] == idp.MFA_CLASS
