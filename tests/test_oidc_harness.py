"""The OpenID Connect provider stand-in (tests/support/oidc.py) really signs in and issues tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.support.oidc import run_oidc_provider

CLIENT_ID = "tobira-test"
CLIENT_SECRET = "harness-secret"
REDIRECT_URI = "http://127.0.0.1:1/callback"


@pytest.fixture(autouse=True)
def _test_defaults():
    """Overrides tests/conftest.py's: it clears Django's cache, which may live in the
    database; these tests touch neither."""


@pytest.fixture(scope="module")
def op():
    clients = [
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [REDIRECT_URI]}
    ]
    with run_oidc_provider(clients) as provider:
        yield provider


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt_payload(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _sign_in(op, login: str, *, pkce: bool = True, basic: bool = True) -> tuple[dict, dict]:
    """Authorize by hand, sign in, redeem the code; return (request values, ID token claims)."""
    discovery = op.discovery()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    verifier = secrets.token_urlsafe(48)
    params = {
        "response_type": "code",
        "scope": "openid email profile",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "state": state,
        "nonce": nonce,
    }
    if pkce:
        params["code_challenge"] = _b64url(hashlib.sha256(verifier.encode()).digest())
        params["code_challenge_method"] = "S256"
    session = requests.Session()
    final = op.login(session, discovery["authorization_endpoint"] + "?" + urlencode(params), login)

    assert final.startswith(REDIRECT_URI + "?")
    query = parse_qs(urlsplit(final).query)
    assert query["state"] == [state]
    assert query["iss"] == [op.issuer]
    data = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": REDIRECT_URI,
    }
    if pkce:
        data["code_verifier"] = verifier
    if basic:
        auth = (CLIENT_ID, CLIENT_SECRET)
    else:
        auth = None
        data.update(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    response = requests.post(discovery["token_endpoint"], data=data, auth=auth, timeout=10)
    assert response.status_code == 200, response.text
    tokens = response.json()
    claims = _jwt_payload(tokens["id_token"])
    assert claims["iss"] == op.issuer
    assert claims["aud"] == CLIENT_ID
    return {"state": state, "nonce": nonce, "tokens": tokens}, claims


def test_discovery_names_the_issuer_and_both_secret_methods(op):
    discovery = op.discovery()
    assert discovery["issuer"] == op.issuer == f"http://127.0.0.1:{op.port}"
    assert {"client_secret_basic", "client_secret_post"} <= set(
        discovery["token_endpoint_auth_methods_supported"]
    )
    assert "S256" in discovery["code_challenge_methods_supported"]


def test_sign_in_issues_an_id_token_with_the_login_claims(op):
    sent, claims = _sign_in(op, "alice@example.test")
    assert claims["sub"] == "alice@example.test"
    assert claims["email"] == "alice@example.test"
    assert claims["email_verified"] is True
    assert claims["nonce"] == sent["nonce"]
    assert claims["name"] == "alice@example.test"
    assert claims["preferred_username"] == "alice"
    assert "amr" not in claims


def test_a_login_without_at_sign_gets_an_example_test_address(op):
    _, claims = _sign_in(op, "bob", pkce=False, basic=False)
    assert claims["sub"] == "bob"
    assert claims["email"] == "bob@example.test"
    assert claims["email_verified"] is True


def test_an_unverified_login_gets_email_verified_false(op):
    sent, claims = _sign_in(op, "unverified-carol@example.test")
    assert claims["sub"] == "unverified-carol@example.test"
    assert claims["email"] == "unverified-carol@example.test"
    assert claims["email_verified"] is False
    assert claims["nonce"] == sent["nonce"]


def test_an_mfa_login_gets_amr(op):
    _, claims = _sign_in(op, "dave+mfa@example.test")
    assert claims["amr"] == ["pwd", "mfa"]


def test_userinfo_answers_with_the_same_claims(op):
    sent, claims = _sign_in(op, "erin@example.test")
    response = requests.get(
        op.discovery()["userinfo_endpoint"],
        headers={"Authorization": "Bearer " + sent["tokens"]["access_token"]},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    info = response.json()
    assert info["sub"] == claims["sub"]
    assert info["email"] == "erin@example.test"
    assert info["email_verified"] is True


def test_a_wrong_code_verifier_is_refused(op):
    discovery = op.discovery()
    params = {
        "response_type": "code",
        "scope": "openid",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "state": "s",
        "code_challenge": _b64url(hashlib.sha256(b"x" * 43).digest()),
        "code_challenge_method": "S256",
    }
    final = op.login(
        requests.Session(), discovery["authorization_endpoint"] + "?" + urlencode(params), "frank"
    )
    code = parse_qs(urlsplit(final).query)["code"][0]
    response = requests.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": "y" * 43,
        },
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_second_login_in_the_same_session_is_the_new_account(op):
    session = requests.Session()
    discovery = op.discovery()
    token_url = discovery["token_endpoint"]

    def sub_after(login: str, **kwargs) -> str:
        params = {
            "response_type": "code",
            "scope": "openid",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "state": "s",
        }
        final = op.login(
            session,
            discovery["authorization_endpoint"] + "?" + urlencode(params),
            login,
            **kwargs,
        )
        code = parse_qs(urlsplit(final).query)["code"][0]
        response = requests.post(
            token_url,
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
            auth=(CLIENT_ID, CLIENT_SECRET),
            timeout=10,
        )
        return _jwt_payload(response.json()["id_token"])["sub"]

    assert sub_after("grace") == "grace"
    assert sub_after("heidi") == "heidi"
    # single sign-on: the provider's session is reused, no login form is shown
    assert sub_after("ignored", keep_session=True) == "heidi"
