"""Who may be signed in to an application, and what comes first: the portal sign-in (and back),
a fresh MFA step (the application's step-up rule, or an MFA ``acr_values``), consent, refusals;
and RP-initiated logout. Through the OpenID Connect authorize endpoint, with the test client."""

from __future__ import annotations

import base64
import json
from io import StringIO
from urllib.parse import parse_qs, urlencode, urlsplit

import pyotp
import pytest
from django.urls import reverse
from oauth2_provider.models import AccessToken

from identity.models import AuditEvent
from mfa.models import VirtualMFADevice
from mfa.totp import services as totp_services
from sso.applications import services as app_services
from sso.models import SSOSettings
from tests.conftest import PASSWORD, T0
from tests.support import webauthn
from tests.support.applications import (
    LOGGED_OUT,
    REDIRECT_URI,
    App,
    client_credentials,
    id_claims,
    machine_client,
)
from tests.support.sso import make_sso_user, set_sso, signin_portal

pytestmark = pytest.mark.django_db


def authenticator_app(user):
    device, key = totp_services.virtual_mfa_device_create(user=user, name=f"{user.name}-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    return device, pyotp.TOTP(base64.b32encode(key).decode())


@pytest.fixture
def sam(organization):
    return make_sso_user(organization, name="sam")


def mfa_sign_in(client, organization, device, app, now):
    response = signin_portal(client, organization)
    assert response["Location"].startswith(reverse("mfa:signin"))
    return client.post(reverse("mfa:signin"), {"device": device.pk, "code": app.at(now)})


def test_the_portal_signs_in_and_returns_to_the_authorization(client, organization, sam, at):
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    app = App(organization)
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    url = app.authorize_url()
    response = client.get(url)
    portal = reverse("sso:portal", args=[organization.pk])
    assert response["Location"] == portal + "?" + urlencode({"next": url})
    page = client.get(response["Location"])
    assert f'name="next" value="{url}"'.replace("&", "&amp;") in page.content.decode()
    response = client.post(
        response["Location"], {"user_name": "sam", "password": PASSWORD, "next": url}
    )
    assert response["Location"] == url
    callback = client.get(url)["Location"]
    assert callback.startswith(REDIRECT_URI + "?code=")
    assert parse_qs(urlsplit(callback).query)["state"] == ["st"]
    assert id_claims(app.exchange(client, callback))["amr"] == ["pwd"]


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.test/o/x/authorize",
        "//evil.example.test/o/",
        "/o/o-someoneelse/authorize?client_id=x",
        "/console/",
        "/o/{org}//evil.example.test",
        "/o/{org}/\\evil",
        "/o/{org}/../../console/",
        "/o/{org}/%2e%2e/%2e%2e/o/o-other/authorize",
    ],
)
def test_the_portal_returns_only_to_the_organizations_own_endpoints(
    client, organization, sam, target
):
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    portal = reverse("sso:portal", args=[organization.pk])
    response = client.post(
        portal + "?" + urlencode({"next": target.format(org=organization.pk)}),
        {"user_name": "sam", "password": PASSWORD},
    )
    assert response["Location"] == portal


def test_an_mfa_within_minutes_rule_asks_for_a_fresh_mfa_step(client, organization, sam, at):
    device, totp = authenticator_app(sam)
    app = App(organization, mfa_max_age_minutes=5)
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    mfa_sign_in(client, organization, device, totp, T0)
    at(T0 + 4 * 60)  # MFA four minutes ago: enough
    assert client.get(app.authorize_url())["Location"].startswith(REDIRECT_URI)
    at(T0 + 6 * 60)  # six minutes: a new MFA step first
    url = app.authorize_url()
    response = client.get(url)
    assert response["Location"] == reverse("mfa:signin") + "?" + urlencode({"next": url})
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"Additional verification required" in page.content
    response = client.post(
        response["Location"], {"device": device.pk, "code": totp.at(T0 + 6 * 60)}
    )
    assert response["Location"] == url
    callback = client.get(url)["Location"]
    claims = id_claims(app.exchange(client, callback))
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert claims["auth_time"] == T0 + 6 * 60
    assert claims["acr"] == "urn:tobira:acr:mfa"


def test_an_mfa_acr_value_asks_for_mfa_when_the_session_had_none(client, organization, sam):
    authenticator_app(sam)
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    app = App(organization)
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    client.force_login(sam)  # a session without MFA (as a remembered context leaves it)
    assert client.get(app.authorize_url())["Location"].startswith(REDIRECT_URI)
    response = client.get(app.authorize_url(acr_values="mfa"))
    assert response["Location"].startswith(reverse("mfa:signin"))


def test_require_mfa_without_a_device_is_refused_with_a_page(client, organization, sam):
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    app = App(organization, require_mfa=True)
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    assert signin_portal(client, organization).status_code == 302
    response = client.get(app.authorize_url())
    assert response.status_code == 403
    assert b"requires multi-factor authentication" in response.content
    event = AuditEvent.objects.get(event_name="ApplicationSignInRefused")
    assert event.error_code == "MFARequiredNoDevice"
    assert event.request_parameters["applicationId"] == app.application.application_id


def test_prompt_none_answers_the_client_instead_of_showing_pages(client, organization, sam, at):
    device, totp = authenticator_app(sam)
    app = App(organization, mfa_max_age_minutes=5)
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    mfa_sign_in(client, organization, device, totp, T0)
    at(T0 + 10 * 60)
    answer = parse_qs(urlsplit(client.get(app.authorize_url(prompt="none"))["Location"]).query)
    assert answer["error"] == ["interaction_required"]


def test_a_third_party_application_asks_for_consent_once_per_session(client, organization, sam):
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    app = App(organization, first_party=False)
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    signin_portal(client, organization)
    url = app.authorize_url(scope="openid email")
    page = client.get(url)
    assert page.status_code == 200 and b"Allow Wiki?" in page.content
    assert b"Your email address" in page.content
    # prompt=none cannot show the page: the client is told.
    answer = client.get(app.authorize_url(prompt="none", scope="openid email"))["Location"]
    assert parse_qs(urlsplit(answer).query)["error"] == ["consent_required"]
    consent = reverse("applications:consent", args=[organization.pk])
    denied = client.post(consent, {"next": url, "decision": "deny"})
    assert parse_qs(urlsplit(denied["Location"]).query)["error"] == ["access_denied"]
    allowed = client.post(consent, {"next": url, "decision": "allow"})
    assert allowed["Location"] == url
    assert client.get(url)["Location"].startswith(REDIRECT_URI + "?code=")
    assert client.get(url)["Location"].startswith(REDIRECT_URI + "?code=")  # not asked again


def test_the_consent_answer_needs_the_csrf_token(organization, sam, client_factory):
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    app = App(organization, first_party=False)
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    browser = client_factory(enforce_csrf_checks=True)
    browser.force_login(sam)
    consent = reverse("applications:consent", args=[organization.pk])
    response = browser.post(consent, {"next": app.authorize_url(), "decision": "allow"})
    assert response.status_code == 403


def test_logout_without_a_hint_asks_then_signs_out_and_revokes(client, organization, sam):
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    app = App(organization)
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    signin_portal(client, organization)
    tokens = app.exchange(client, client.get(app.authorize_url())["Location"])
    assert AccessToken.objects.filter(user=sam).count() == 1
    logout = reverse("applications:logout", args=[organization.pk])
    query = {"client_id": app.client.client_id, "post_logout_redirect_uri": LOGGED_OUT}
    page = client.get(logout + "?" + urlencode(query))
    assert page.status_code == 200 and b"Sign out?" in page.content
    assert "_auth_user_id" in client.session
    done = client.post(logout, {**query, "state": "s1", "decision": "signout"})
    assert done["Location"] == LOGGED_OUT + "?state=s1"
    assert "_auth_user_id" not in client.session
    assert not AccessToken.objects.filter(user=sam).exists()
    assert tokens["id_token"] not in str(list(AuditEvent.objects.values()))
    # An unregistered return address is refused, never followed.
    bad = client.get(logout + "?" + urlencode({**query, "post_logout_redirect_uri": "https://x"}))
    assert bad.status_code == 400 and "Location" not in bad


@pytest.mark.parametrize("name", ["authorize", "jwks", "discovery", "logout"])
def test_an_unknown_organization_is_404(client, db, name):
    assert client.get(reverse(f"applications:{name}", args=["o-nosuchorg00"])).status_code == 404


def test_the_protocol_endpoints_of_an_unknown_organization_answer_as_oauth(client, db):
    """No client and no token exists under an unknown issuer: the protocol's own errors."""
    token = client.post(
        reverse("applications:token", args=["o-nosuchorg00"]),
        {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
    )
    assert token.status_code == 401 and token.json()["error"] == "invalid_client"
    userinfo = client.get(
        reverse("applications:userinfo", args=["o-nosuchorg00"]),
        HTTP_AUTHORIZATION="Bearer nothing",
    )
    assert userinfo.status_code == 401


def test_clear_expired_tokens_deletes_only_what_expired(client, organization, sam):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from sso.applications.models import AuthorizationContext

    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    app = App(organization)
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    signin_portal(client, organization)
    app.exchange(client, client.get(app.authorize_url())["Location"])
    client.get(app.authorize_url())  # a second code, never exchanged
    assert AuthorizationContext.objects.count() == 2
    AuthorizationContext.objects.filter(code_sha256__startswith="family:").update(
        expires=timezone.now() - timedelta(seconds=1)
    )
    call_command("clear_expired_tokens", stdout=StringIO())
    assert AuthorizationContext.objects.count() == 1
    assert AccessToken.objects.filter(user=sam).count() == 1  # still valid: kept


def refresh(client, app, refresh_token):
    basic = base64.b64encode(f"{app.client.client_id}:{app.secret}".encode()).decode()
    return client.post(
        reverse("applications:token", args=[app.organization.pk]),
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )


def userinfo(client, app, access_token):
    return client.get(
        reverse("applications:userinfo", args=[app.organization.pk]),
        HTTP_AUTHORIZATION=f"Bearer {access_token}",
    )


@pytest.fixture
def signed_in_app(client, organization, sam):
    """sam signed in (no MFA), with tokens of a refreshing client."""
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    app = App(organization, grant_types=["authorization_code", "refresh_token"])
    app.assignment = app_services.assignment_add(actor=None, application=app.application, user=sam)
    signin_portal(client, organization)
    app.tokens = app.exchange(client, client.get(app.authorize_url())["Location"])
    app.user = sam
    return app


def test_refresh_tokens_are_opaque_not_signed_jwts(signed_in_app):
    assert "." not in signed_in_app.tokens["refresh_token"]
    assert signed_in_app.tokens["access_token"].count(".") == 2


def test_a_disabled_person_gets_no_more_tokens_nor_userinfo(client, signed_in_app, sam):
    sam.is_active = False
    sam.save(update_fields=["is_active"])
    assert refresh(client, signed_in_app, signed_in_app.tokens["refresh_token"]).status_code == 400
    assert userinfo(client, signed_in_app, signed_in_app.tokens["access_token"]).status_code == 401


def test_an_unassigned_person_gets_no_more_tokens_nor_userinfo(client, signed_in_app):
    app_services.assignment_remove(actor=None, assignment=signed_in_app.assignment)
    assert refresh(client, signed_in_app, signed_in_app.tokens["refresh_token"]).status_code == 400
    assert userinfo(client, signed_in_app, signed_in_app.tokens["access_token"]).status_code == 401


def test_a_token_family_ends_with_the_clients_refresh_lifetime_from_the_sign_in(
    client, signed_in_app, time_machine
):
    from datetime import timedelta

    from django.utils import timezone

    first = refresh(client, signed_in_app, signed_in_app.tokens["refresh_token"])
    assert first.status_code == 200
    claims = id_claims(first.json())
    assert claims["amr"] == ["pwd"]  # the sign-in's, not "now"
    # Refreshing on day 29 does not make the family live 30 more days.
    time_machine.move_to(timezone.now() + timedelta(days=29))
    second = refresh(client, signed_in_app, first.json()["refresh_token"])
    assert second.status_code == 200
    assert id_claims(second.json())["auth_time"] == claims["auth_time"]
    time_machine.move_to(timezone.now() + timedelta(days=2))
    assert refresh(client, signed_in_app, second.json()["refresh_token"]).status_code == 400


def test_prompt_login_asks_for_the_password_every_time(client, signed_in_app, organization):
    url = signed_in_app.authorize_url(prompt="login")
    for _ in range(2):
        response = client.get(url)
        assert "reauth=1" in response["Location"]
        response = client.post(response["Location"], {"user_name": "sam", "password": PASSWORD})
        assert response["Location"] == url
        assert client.get(url)["Location"].startswith(REDIRECT_URI + "?code=")


def test_a_step_up_keeps_the_first_factor_and_does_not_answer_prompt_login(
    client, organization, sam, at
):
    device, totp = authenticator_app(sam)
    app = App(organization, mfa_max_age_minutes=5)
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    mfa_sign_in(client, organization, device, totp, T0)
    at(T0 + 10 * 60)
    url = app.authorize_url(prompt="login")
    assert "reauth=1" in client.get(url)["Location"]
    # An MFA step alone (the step-up of another request) is not the new sign-in asked for.
    step = client.get(app.authorize_url())["Location"]
    client.post(step, {"device": device.pk, "code": totp.at(T0 + 10 * 60)})
    assert "reauth=1" in client.get(url)["Location"]
    record = client.session["tobira_signin"]
    assert record["primary_at"] == T0 and record["at"] == T0 + 10 * 60
    assert record["amr"] == ["pwd", "otp", "mfa"]


def test_a_verifier_for_a_code_issued_without_a_challenge_is_refused(client, organization, sam):
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    app = App(organization, require_pkce=False)
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    signin_portal(client, organization)
    url = app.authorize_url(code_challenge=None, code_challenge_method=None)
    callback = client.get(url)["Location"]
    assert "code=" in callback
    code = parse_qs(urlsplit(callback).query)["code"][0]
    basic = base64.b64encode(f"{app.client.client_id}:{app.secret}".encode()).decode()
    response = client.post(
        reverse("applications:token", args=[organization.pk]),
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": app.verifier,
        },
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_a_request_without_scope_still_asks_a_third_party_for_consent(client, organization, sam):
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    app = App(organization, first_party=False, claim_mappings={"mail": "email"})
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    signin_portal(client, organization)
    page = client.get(app.authorize_url(scope=""))
    assert page.status_code == 200 and b"Allow Wiki?" in page.content
    assert b"<code>mail</code>" in page.content  # the mapped claims are named too


def test_only_the_query_response_mode_is_answered(client, signed_in_app):
    answer = client.get(signed_in_app.authorize_url(response_mode="fragment"))["Location"]
    assert "#" not in answer
    assert parse_qs(urlsplit(answer).query)["error"] == ["invalid_request"]


def test_revoked_refresh_tokens_are_deleted_after_the_longest_lifetime(
    client, signed_in_app, time_machine
):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone
    from oauth2_provider.models import RefreshToken

    assert refresh(client, signed_in_app, signed_in_app.tokens["refresh_token"]).status_code == 200
    assert RefreshToken.objects.count() == 2  # the rotated-out one is kept (reuse detection)
    time_machine.move_to(timezone.now() + timedelta(days=400))
    call_command("clear_expired_tokens", stdout=StringIO())
    assert RefreshToken.objects.count() == 0
    assert AccessToken.objects.count() == 0


def test_a_machine_client_gets_a_signed_access_token_of_its_own(client, organization):
    from sso.applications import keys

    _application, machine, secret = machine_client(organization, algorithm="ES256")
    response = client_credentials(client, organization, machine.client_id, secret)
    assert response.status_code == 200, response.content
    body = response.json()
    assert "id_token" not in body and "refresh_token" not in body
    assert body["expires_in"] == 3600
    header, payload = (
        json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        for part in body["access_token"].split(".")[:2]
    )
    assert header["typ"] == "at+jwt" and header["alg"] == "ES256"
    assert header["kid"] in {key["kid"] for key in keys.jwks(organization)["keys"]}
    assert payload["sub"] == payload["client_id"] == machine.client_id
    assert payload["iss"] == f"http://testserver/o/{organization.pk}"
    event = AuditEvent.objects.get(event_name="TokenIssued")
    assert event.request_parameters["grantType"] == "client_credentials"
    assert event.additional_event_data["userId"] is None
    assert body["access_token"] not in str(event.__dict__)


def test_a_machine_client_cannot_ask_for_openid_scopes_nor_another_grant(
    client, organization, signed_in_app
):
    _application, machine, secret = machine_client(organization)
    refused = client_credentials(client, organization, machine.client_id, secret, scope="openid")
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    # A client of the code grant alone may not use client credentials.
    other = client_credentials(
        client, organization, signed_in_app.client.client_id, signed_in_app.secret
    )
    assert other.status_code in (400, 401) and other.json()["error"] == "unauthorized_client"
    wrong = client_credentials(client, organization, machine.client_id, "not-it")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


@pytest.mark.parametrize(("synced", "method"), [(True, "swk"), (False, "hwk")])
def test_a_passkey_sign_in_tells_the_application_which_kind_of_key(
    client, organization, sam, synced, method, settings
):
    settings.WEBAUTHN_RP_ID = webauthn.RP_ID
    settings.WEBAUTHN_ORIGINS = [webauthn.ORIGIN]
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    app = App(organization)
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    signin_portal(client, organization)
    authenticator = webauthn.key(synced=synced)
    assert webauthn.register(client, authenticator, name="sam-key").status_code == 302
    client.post(reverse("accounts:signout"))
    # The application sends sam to the portal: password, then the passkey, then back.
    url = app.authorize_url()
    portal = client.get(url)["Location"]
    step = client.post(portal, {"user_name": "sam", "password": PASSWORD, "next": url})
    assert step["Location"].startswith(reverse("mfa:signin"))
    answer = webauthn.post_assertion(client, authenticator.get(webauthn.assertion_options(client)))
    assert answer.status_code == 302
    claims = id_claims(app.exchange(client, client.get(url)["Location"]))
    assert claims["amr"] == ["pwd", method, "mfa"]
    assert claims["acr"] == "urn:tobira:acr:mfa"


def revoke(client, app, token, *, secret=None, client_id=None, hint=""):
    basic = base64.b64encode(
        f"{client_id or app.client.client_id}:{secret or app.secret}".encode()
    ).decode()
    data = {"token": token, **({"token_type_hint": hint} if hint else {})}
    return client.post(
        reverse("applications:revoke", args=[app.organization.pk]),
        data,
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )


def test_the_revocation_endpoint_revokes_only_the_clients_own_tokens(
    client, organization, signed_in_app
):
    tokens = signed_in_app.tokens
    _application, machine, machine_secret = machine_client(organization)
    # Another client of the organization cannot revoke this client's token (RFC 7009: still 200).
    other = revoke(
        client,
        signed_in_app,
        tokens["access_token"],
        client_id=machine.client_id,
        secret=machine_secret,
    )
    assert other.status_code == 200
    assert userinfo(client, signed_in_app, tokens["access_token"]).status_code == 200
    assert (
        revoke(client, signed_in_app, tokens["access_token"], hint="access_token").status_code
        == 200
    )
    assert userinfo(client, signed_in_app, tokens["access_token"]).status_code == 401
    assert (
        revoke(client, signed_in_app, tokens["refresh_token"], hint="refresh_token").status_code
        == 200
    )
    assert refresh(client, signed_in_app, tokens["refresh_token"]).status_code == 400
    wrong = revoke(client, signed_in_app, "anything", secret="not-the-secret")
    assert wrong.status_code == 401
    # Revoking the access token revoked its refresh token with it (RFC 7009 2.1): one event.
    revoked = AuditEvent.objects.get(event_name="TokenRevoked")
    assert revoked.request_parameters["tokenType"] == "access_token"
    assert revoked.additional_event_data["userId"] == signed_in_app.user.unique_id


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("authorize", "get", {"client_id": "a\x00b", "redirect_uri": "x"}),
        ("authorize", "get", {"client_id": "x" * 5000}),
        (
            "token",
            "post",
            {"grant_type": "authorization_code", "code": "\x00", "client_id": "\x00"},
        ),
        ("token", "post", {"grant_type": "nonsense"}),
        ("consent", "post", {"next": "/o/x/authorize?client_id=\x00"}),
        ("logout", "get", {"id_token_hint": "a.b.c", "client_id": "\x00"}),
        ("logout", "get", {"id_token_hint": "x" * 10000}),
        ("userinfo", "get", {}),
        ("revoke", "post", {"token": "\x00"}),
    ],
)
def test_hostile_input_to_the_provider_is_refused_never_a_500(
    client, organization, name, method, data
):
    url = reverse(f"applications:{name}", args=[organization.pk])
    assert getattr(client, method)(url, data).status_code in (302, 400, 401, 403, 404, 405)
