"""Tobira as an OpenID Connect provider, driven by a certified relying party.

openid-client 6 (OpenID Certified, tests/oidc/rp.mjs) does discovery, the authorization code
flow with PKCE through Tobira's real sign-in pages (the portal password, then an authenticator
app code), validates the ID token against the organization's JWKS, asks userinfo, refreshes
(the rotated-out refresh token is refused afterwards) and signs out (RP-initiated logout).
"""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from identity.models import AuditEvent
from mfa.models import VirtualMFADevice
from mfa.totp import services as totp_services
from sso.applications import services as app_services
from sso.applications.models import OIDCClient
from sso.models import SSOGroup
from tests.conftest import PASSWORD
from tests.support.portal import PortalBrowser
from tests.support.rp import RelyingPartyError, run_relying_party
from tests.support.sso import make_sso_user

pytestmark = pytest.mark.django_db(transaction=True)

REDIRECT_URI = "http://127.0.0.1:1/callback"
LOGGED_OUT_URI = "http://127.0.0.1:1/signed-out"


def authenticator_app(user) -> pyotp.TOTP:
    device, key = totp_services.virtual_mfa_device_create(user=user, name=f"{user.name}-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    return pyotp.TOTP(base64.b32encode(key).decode())


@pytest.fixture
def server(live_server):
    """The live server as the relying party reaches it: on 127.0.0.1 (loopback only)."""
    return live_server.url.replace("localhost", "127.0.0.1")


@pytest.fixture
def wiki(organization):
    """An OIDC application for group Engineers, with sam in the group and an authenticator app."""
    sam = make_sso_user(organization, name="sam")
    engineers = SSOGroup.objects.create(organization=organization, name="Engineers")
    engineers.members.add(sam)
    application, client, secret = app_services.oidc_application_create(
        actor=None,
        organization=organization,
        name="Wiki",
        redirect_uris=[REDIRECT_URI],
        post_logout_redirect_uris=[LOGGED_OUT_URI],
        grant_types=["authorization_code", "refresh_token"],
        skip_authorization=True,
        claim_mappings={"department": "organization_id"},
    )
    app_services.assignment_add(actor=None, application=application, group=engineers)
    return {
        "application": application,
        "client": client,
        "secret": secret,
        "sam": sam,
        "app": authenticator_app(sam),
    }


def issuer(server, organization) -> str:
    return f"{server}/o/{organization.pk}"


@pytest.mark.parametrize(
    ("auth_method", "alg"),
    [("client_secret_basic", "RS256"), ("client_secret_post", "ES256")],
)
def test_openid_client_signs_in_with_password_and_totp_refreshes_and_signs_out(
    server, organization, wiki, auth_method, alg
):
    client = wiki["client"]
    if alg != client.algorithm:
        OIDCClient.objects.filter(pk=client.pk).update(algorithm=alg)
    browser = PortalBrowser(server, "sam", PASSWORD, totp=wiki["app"])
    with run_relying_party(
        issuer(server, organization),
        client.client_id,
        wiki["secret"],
        REDIRECT_URI,
        scope="openid email profile groups",
        refresh=True,
        alg=alg,
        auth_method=auth_method,
        post_logout_redirect_uri=LOGGED_OUT_URI,
    ) as rp:
        callback = browser.follow(rp.authorization_url, stop_at=REDIRECT_URI)
        result = rp.finish(callback)

    # The real pages were shown: the portal's sign-in, the MFA step, then the consent page
    # (the relying party asks prompt=consent with offline_access, even of a first-party app).
    assert browser.pages == [
        f"/start/{organization.pk}",
        "/mfa",
        f"/o/{organization.pk}/authorize",
    ]
    assert browser.consents == 1
    claims = result["claims"]
    sam = wiki["sam"]
    assert claims["iss"] == issuer(server, organization)
    assert claims["sub"] == sam.unique_id != str(sam.pk)
    assert claims["aud"] == client.client_id
    assert claims["preferred_username"] == "sam"
    assert claims["email"] == "sam@example.test"
    assert claims["groups"] == ["Engineers"]
    assert claims["department"] == organization.pk
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert result["id_token_header"]["alg"] == alg
    assert result["userinfo"]["sub"] == sam.unique_id
    assert result["userinfo"]["groups"] == ["Engineers"]
    refreshed = result["refreshed"]
    assert refreshed["rotated"] is True
    assert refreshed["claims"]["sub"] == sam.unique_id
    assert refreshed["claims"]["auth_time"] == claims["auth_time"]
    assert refreshed["claims"]["amr"] == claims["amr"]
    assert refreshed["old_token_reused"] == "invalid_grant"

    # RP-initiated logout: the hint names the signed-in person, so no question is asked.
    end_session = result["end_session_url"]
    done = browser.follow(end_session, stop_at=LOGGED_OUT_URI)
    assert parse_qs(urlsplit(done).query) == {"state": ["logout-state"]}
    portal = browser.session.get(f"{server}/start/{organization.pk}", timeout=10).text
    assert "Sign in to the access portal" in portal

    issued = {
        e.request_parameters["grantType"]: e
        for e in AuditEvent.objects.filter(event_name="TokenIssued")
    }
    assert set(issued) == {"authorization_code", "refresh_token"}
    first = issued["authorization_code"]
    assert first.additional_event_data["userName"] == "sam"
    assert first.additional_event_data["amr"] == ["pwd", "otp", "mfa"]
    assert first.request_parameters["clientId"] == client.client_id


def test_a_public_client_signs_in_with_pkce_alone(server, organization, wiki):
    application, public, secret = app_services.oidc_application_create(
        actor=None,
        organization=organization,
        name="CLI",
        client_type="public",
        redirect_uris=[REDIRECT_URI],
        skip_authorization=True,
    )
    assert secret is None
    app_services.assignment_add(actor=None, application=application, user=wiki["sam"])
    browser = PortalBrowser(server, "sam", PASSWORD, totp=wiki["app"])
    with run_relying_party(issuer(server, organization), public.client_id, "", REDIRECT_URI) as rp:
        result = rp.finish(browser.follow(rp.authorization_url, stop_at=REDIRECT_URI))
    assert result["claims"]["sub"] == wiki["sam"].unique_id
    assert result["token"]["refresh_token"] is False  # not a grant of this client


def test_a_wrong_secret_is_refused_by_the_token_endpoint(server, organization, wiki):
    browser = PortalBrowser(server, "sam", PASSWORD, totp=wiki["app"])
    with run_relying_party(
        issuer(server, organization), wiki["client"].client_id, "not-the-secret", REDIRECT_URI
    ) as rp:
        callback = browser.follow(rp.authorization_url, stop_at=REDIRECT_URI)
        with pytest.raises(RelyingPartyError) as refused:
            rp.finish(callback)
    assert refused.value.report.get("oauth_error") == "invalid_client"
