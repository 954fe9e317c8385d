"""The negative cases of the OpenID Foundation's basic OP certification plan, with Authlib as the
client and joserfc checking tokens: Python implementations independent of the provider's
(django-oauth-toolkit, oauthlib, jwcrypto). A live server; a person's browser is
tests/support/portal.py, signing in through the real portal pages."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.core.exceptions import ValidationError
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError
from joserfc.jwk import KeySet, OctKey
from oauth2_provider.models import Grant

from identity.models import AuditEvent
from sso.applications import keys
from sso.applications import services as app_services
from sso.applications.models import SigningKey
from sso.models import SSOSettings
from tests.conftest import PASSWORD, make_organization
from tests.support.portal import PortalBrowser
from tests.support.sso import make_sso_user, set_sso

pytestmark = pytest.mark.django_db(transaction=True)

REDIRECT_URI = "http://127.0.0.1:1/callback"
OTHER_REDIRECT_URI = "http://127.0.0.1:1/other-callback"


@pytest.fixture
def server(live_server):
    return live_server.url.replace("localhost", "127.0.0.1")


class Provider:
    """One organization's provider with a confidential client for sam (assigned, no MFA)."""

    def __init__(self, server, organization, *, assigned=True):
        self.server = server
        self.organization = organization
        set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
        self.user = make_sso_user(organization, name="sam")
        self.application, self.client, self.secret = app_services.oidc_application_create(
            actor=None,
            organization=organization,
            name="Wiki",
            redirect_uris=[REDIRECT_URI, OTHER_REDIRECT_URI],
            grant_types=["authorization_code", "refresh_token"],
            skip_authorization=True,
        )
        if assigned:
            app_services.assignment_add(actor=None, application=self.application, user=self.user)
        self.issuer = f"{server}/o/{organization.pk}"
        self.browser = PortalBrowser(server, "sam", PASSWORD)

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/{name}"

    def session(self, secret: str | None = None, **kwargs) -> OAuth2Session:
        return OAuth2Session(
            self.client.client_id,
            self.secret if secret is None else secret,
            scope="openid email profile",
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
            **kwargs,
        )

    def authorize(self, session: OAuth2Session, **params) -> tuple[str, str]:
        """The callback URL the browser reaches, and the code verifier."""
        verifier = generate_token(48)
        url, _state = session.create_authorization_url(
            self.endpoint("authorize"), code_verifier=verifier, nonce=generate_token(16), **params
        )
        return self.browser.follow(url, stop_at=REDIRECT_URI), verifier

    def tokens(self, session=None, **params) -> dict:
        session = session or self.session()
        callback, verifier = self.authorize(session, **params)
        return session.fetch_token(
            self.endpoint("token"), authorization_response=callback, code_verifier=verifier
        )

    def jwks(self) -> KeySet:
        return KeySet.import_key_set(requests.get(self.endpoint("jwks"), timeout=10).json())

    def userinfo(self, access_token: str) -> requests.Response:
        return requests.get(
            self.endpoint("userinfo"),
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=10,
        )

    def token_request(self, data: dict, secret: str | None = None) -> requests.Response:
        return requests.post(
            self.endpoint("token"),
            data=data,
            auth=(self.client.client_id, self.secret if secret is None else secret),
            timeout=10,
        )


@pytest.fixture
def op(server, organization):
    return Provider(server, organization)


def query_of(url: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_id_tokens_verify_with_the_jwks_and_echo_the_nonce(op):
    session = op.session()
    nonce = generate_token(16)
    verifier = generate_token(48)
    url, state = session.create_authorization_url(
        op.endpoint("authorize"), code_verifier=verifier, nonce=nonce
    )
    callback = op.browser.follow(url, stop_at=REDIRECT_URI)
    assert query_of(callback)["iss"] == op.issuer  # RFC 9207
    assert query_of(callback)["state"] == state
    token = session.fetch_token(
        op.endpoint("token"), authorization_response=callback, code_verifier=verifier
    )
    decoded = jwt.decode(token["id_token"], op.jwks(), algorithms=["RS256", "ES256"])
    assert decoded.header["alg"] in ("RS256", "ES256")
    claims = decoded.claims
    assert claims["nonce"] == nonce
    assert claims["iss"] == op.issuer and claims["aud"] == op.client.client_id
    assert claims["sub"] == op.user.unique_id
    assert claims["amr"] == ["pwd"]
    # The access token is a JWT (RFC 9068) of the same keys.
    access = jwt.decode(token["access_token"], op.jwks(), algorithms=["RS256", "ES256"])
    assert access.header["typ"] == "at+jwt" and access.claims["client_id"] == op.client.client_id


def test_alg_none_and_hs256_are_never_issued_nor_accepted(op):
    configuration = requests.get(f"{op.issuer}/.well-known/openid-configuration", timeout=10).json()
    assert configuration["id_token_signing_alg_values_supported"] == ["RS256", "ES256"]
    assert configuration["issuer"] == op.issuer
    with pytest.raises(ValidationError):  # no key of the organization signs HS256
        app_services.application_update(
            actor=None, application=op.application, changes={"algorithm": "HS256"}
        )
    token = op.tokens()
    header = jwt.decode(token["id_token"], op.jwks()).header
    assert header["alg"] == "RS256" and header["kid"]
    # A forged id_token_hint (alg none, then HS256 keyed with the client secret) is refused.
    claims = {"iss": op.issuer, "sub": op.user.unique_id, "aud": op.client.client_id}
    forged_hs256 = jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(op.secret))
    none_header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=")
    forged_none = none_header.decode() + "." + forged_hs256.split(".")[1] + "."
    for forged in (forged_none, forged_hs256):
        session = op.session()
        url, _state = session.create_authorization_url(
            op.endpoint("authorize"),
            code_verifier=generate_token(48),
            prompt="none",
            id_token_hint=forged,
        )
        reached = op.browser.follow(url, stop_at=REDIRECT_URI)
        assert query_of(reached)["error"] == "login_required"
    # The genuine ID token as the hint: the same request gets a code.
    url, _state = op.session().create_authorization_url(
        op.endpoint("authorize"),
        code_verifier=generate_token(48),
        prompt="none",
        id_token_hint=token["id_token"],
    )
    assert "code" in query_of(op.browser.follow(url, stop_at=REDIRECT_URI))


def test_a_code_used_twice_is_refused_and_revokes_what_it_gave(op):
    session = op.session()
    callback, verifier = op.authorize(session)
    code = query_of(callback)["code"]
    first = op.token_request(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        }
    )
    assert first.status_code == 200
    tokens = first.json()
    assert op.userinfo(tokens["access_token"]).status_code == 200
    again = op.token_request(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        }
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert op.userinfo(tokens["access_token"]).status_code == 401
    refresh = op.token_request(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert refresh.json()["error"] == "invalid_grant"
    event = AuditEvent.objects.get(event_name="AuthorizationCodeReused")
    assert event.additional_event_data["revokedTokensOf"] == op.user.unique_id
    # Only digests are stored: the code is nowhere in the database's grants or audit trail.
    assert not Grant.objects.filter(code=code).exists()
    assert code not in str(list(AuditEvent.objects.values()))


def test_an_unregistered_redirect_uri_is_never_redirected_to(op):
    session = op.session()
    url, _state = session.create_authorization_url(
        op.endpoint("authorize"),
        code_verifier=generate_token(48),
        redirect_uri="http://127.0.0.1:1/evil",
    )
    with pytest.raises(AssertionError, match="not accepted|registered"):
        op.browser.follow(url, stop_at="http://127.0.0.1:1/")
    assert op.browser.last.status_code == 400
    assert "Location" not in op.browser.last.headers


def test_the_token_request_must_name_the_redirect_uri_of_the_authorization(op):
    session = op.session()
    callback, verifier = op.authorize(session)
    response = op.token_request(
        {
            "grant_type": "authorization_code",
            "code": query_of(callback)["code"],
            "redirect_uri": OTHER_REDIRECT_URI,  # registered, but not the one authorized
            "code_verifier": verifier,
        }
    )
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_grant", "invalid_request")


@pytest.mark.parametrize("verifier", [None, "wrong-verifier-" + "x" * 40])
def test_a_missing_or_wrong_pkce_verifier_is_refused(op, verifier):
    session = op.session()
    callback, _right = op.authorize(session)
    data = {
        "grant_type": "authorization_code",
        "code": query_of(callback)["code"],
        "redirect_uri": REDIRECT_URI,
    }
    if verifier:
        data["code_verifier"] = verifier
    response = op.token_request(data)
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_grant", "invalid_request")


def test_pkce_is_required_at_the_authorization_endpoint(op):
    session = OAuth2Session(
        op.client.client_id, op.secret, scope="openid", redirect_uri=REDIRECT_URI
    )
    url, _state = session.create_authorization_url(op.endpoint("authorize"))
    reached = op.browser.follow(url, stop_at=REDIRECT_URI)
    assert query_of(reached)["error"] == "invalid_request"
    assert "code" not in query_of(reached)


def test_a_wrong_client_secret_is_refused_and_a_rotated_one_works_during_the_overlap(op):
    with pytest.raises(OAuthError) as refused:
        op.tokens(op.session(secret="wrong"))
    assert refused.value.error == "invalid_client"
    old = op.secret
    new = app_services.client_secret_rotate(actor=None, client=op.client)
    assert "access_token" in op.tokens(op.session(secret=old))
    assert "access_token" in op.tokens(op.session(secret=new))
    type(op.client).objects.filter(pk=op.client.pk).update(
        previous_secret_expires=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(OAuthError) as expired:
        op.tokens(op.session(secret=old))
    assert expired.value.error == "invalid_client"


def test_prompt_none_without_a_session_says_login_required(op):
    session = op.session()
    url, state = session.create_authorization_url(
        op.endpoint("authorize"), code_verifier=generate_token(48), prompt="none"
    )
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    answer = query_of(response.headers["Location"])
    assert response.headers["Location"].startswith(REDIRECT_URI)
    assert answer == {"error": "login_required", "state": state, "iss": op.issuer}


def test_max_age_forces_a_new_sign_in(op):
    first = jwt.decode(op.tokens()["id_token"], op.jwks()).claims
    time.sleep(2.1)
    op.browser.pages.clear()
    second = jwt.decode(op.tokens(max_age="1")["id_token"], op.jwks()).claims
    assert f"/start/{op.organization.pk}" in op.browser.pages  # the password was asked again
    assert second["auth_time"] >= first["auth_time"] + 2
    assert second["auth_time"] >= int(time.time()) - 5


def test_prompt_login_forces_a_new_sign_in_once(op):
    op.tokens()
    op.browser.pages.clear()
    op.tokens(prompt="login")
    assert op.browser.pages.count(f"/start/{op.organization.pk}") == 1


def test_an_expired_code_is_refused(op):
    session = op.session()
    callback, verifier = op.authorize(session)
    Grant.objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = op.token_request(
        {
            "grant_type": "authorization_code",
            "code": query_of(callback)["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        }
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_an_unassigned_person_is_refused_and_the_client_gets_access_denied(server, organization):
    op = Provider(server, organization, assigned=False)
    session = op.session()
    url, state = session.create_authorization_url(
        op.endpoint("authorize"), code_verifier=generate_token(48)
    )
    with pytest.raises(AssertionError, match="cannot sign in"):
        op.browser.follow(url, stop_at=REDIRECT_URI)
    page = op.browser.last
    assert page.status_code == 403 and "You are not assigned to Wiki" in page.text
    back = page.text.split('data-testid="back-to-application"')[0].rsplit('href="', 1)[1]
    back = back.split('"')[0].replace("&amp;", "&")
    assert back.startswith(REDIRECT_URI)
    assert query_of(back) == {"error": "access_denied", "state": state, "iss": op.issuer}
    refused = AuditEvent.objects.get(event_name="ApplicationSignInRefused")
    assert refused.error_code == "NotAssigned"


def test_a_client_of_another_organization_is_refused(server, organization):
    op = Provider(server, organization)
    tokens = op.tokens()
    other = make_organization(name="Other", email="other@example.test")
    foreign = f"{server}/o/{other.pk}"
    session = op.session()
    url, _state = session.create_authorization_url(
        f"{foreign}/authorize", code_verifier=generate_token(48)
    )
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 400 and "Location" not in response.headers
    grant = requests.post(
        f"{foreign}/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(op.client.client_id, op.secret),
        timeout=10,
    )
    assert grant.status_code == 401 and grant.json()["error"] == "invalid_client"
    userinfo = requests.get(
        f"{foreign}/userinfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert userinfo.status_code == 401
    assert requests.get(f"{server}/o/o-nosuchorg00/jwks", timeout=10).status_code == 404


def test_a_token_of_the_previous_key_validates_during_the_overlap_and_not_after(op):
    id_token = op.tokens()["id_token"]
    kid = jwt.decode(id_token, op.jwks()).header["kid"]

    def age_next_keys():
        for key in SigningKey.objects.filter(organization=op.organization, state="next"):
            SigningKey.objects.filter(pk=key.pk).update(
                created_at=key.created_at - keys.NEXT_KEY_MIN_AGE - timedelta(minutes=1)
            )

    age_next_keys()
    keys.rotate(op.organization, "RS256")
    jwt.decode(id_token, op.jwks())  # the previous key is still published
    new_kid = jwt.decode(op.tokens()["id_token"], op.jwks()).header["kid"]
    assert new_kid != kid
    age_next_keys()
    keys.rotate(op.organization, "RS256")
    with pytest.raises(InvalidKeyIdError):
        jwt.decode(id_token, op.jwks())


def test_secrets_codes_and_tokens_are_never_logged_audited_or_shown(op, caplog):
    caplog.set_level("DEBUG")
    session = op.session()
    callback, verifier = op.authorize(session)
    code = query_of(callback)["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    tokens = op.token_request(data).json()
    refresh = op.token_request(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    ).json()
    replay = op.token_request(data)  # refused: its error body must not echo the code
    wrong = op.token_request(data, secret="wrong-" + op.secret)
    secrets_ = [
        op.secret,
        code,
        verifier,
        tokens["access_token"],
        tokens["refresh_token"],
        tokens["id_token"],
        refresh["access_token"],
        refresh["refresh_token"],
    ]
    # What the server logs (urllib3's lines are this test's own HTTP client).
    logged = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("urllib3")
    )
    audited = str(list(AuditEvent.objects.values()))
    shown = replay.text + wrong.text
    assert any(r.name.startswith("django") for r in caplog.records)  # the server did log
    for secret in secrets_:
        assert secret not in logged
        assert secret not in audited
        assert secret not in shown


def test_two_concurrent_uses_of_a_refresh_token_revoke_the_family(op):
    from concurrent.futures import ThreadPoolExecutor

    tokens = op.tokens()
    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: op.token_request(data), range(2)))
    assert sorted(a.status_code for a in answers) == [200, 400]
    winner = next(a for a in answers if a.status_code == 200).json()
    loser = next(a for a in answers if a.status_code == 400).json()
    assert loser["error"] == "invalid_grant"
    # The second use was a reuse: the whole family, the winner's new token included, is revoked.
    again = op.token_request(
        {"grant_type": "refresh_token", "refresh_token": winner["refresh_token"]}
    )
    assert again.status_code == 400
