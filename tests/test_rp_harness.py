"""The relying-party stand-in (tests/support/rp.py) signs in through a certified provider.

openid-client (tests/oidc/rp.mjs) against oidc-provider (tests/support/oidc.py): both
OpenID-Certified, so what one accepts from the other is what a conforming provider must do.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests

from tests.support.oidc import run_oidc_provider
from tests.support.rp import RelyingPartyError, run_relying_party

REDIRECT_URI = "http://127.0.0.1:1/callback"
CONFIDENTIAL, SECRET = "rp-confidential", "rp-harness-secret"
PUBLIC = "rp-public"
GRANTS = ["authorization_code", "refresh_token"]
# (client id, secret, token endpoint auth method) of each way the relying party signs in.
KINDS = {
    "basic": (CONFIDENTIAL, SECRET, "client_secret_basic"),
    "post": (CONFIDENTIAL, SECRET, "client_secret_post"),
    "public": (PUBLIC, "", "none"),
}
JWT = re.compile(r"ey[\w-]+\.[\w-]+\.[\w-]+")


@pytest.fixture(autouse=True)
def _test_defaults():
    """Overrides tests/conftest.py's: it clears Django's cache, which may live in the
    database; these tests touch neither."""


@pytest.fixture(scope="module")
def op():
    clients = [
        {
            "client_id": CONFIDENTIAL,
            "client_secret": SECRET,
            "redirect_uris": [REDIRECT_URI],
            "grant_types": GRANTS,
        },
        {
            "client_id": PUBLIC,
            "token_endpoint_auth_method": "none",
            "redirect_uris": [REDIRECT_URI],
            "grant_types": GRANTS,
        },
    ]
    with run_oidc_provider(clients) as provider:
        yield provider


def _rp(op, kind: str, **kwargs):
    client_id, secret, method = KINDS[kind]
    auth = {"auth_method": method} if secret else {}
    return run_relying_party(op.issuer, client_id, secret, REDIRECT_URI, **auth, **kwargs)


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **changes})))


@pytest.mark.parametrize("kind", ["basic", "public"])
def test_the_authorization_url_carries_pkce_s256_a_nonce_and_a_state(op, kind):
    with _rp(op, kind) as rp:
        url = urlsplit(rp.authorization_url)
        query = parse_qs(url.query)
    assert urlunsplit(url._replace(query="")) == op.discovery()["authorization_endpoint"]
    assert query["client_id"] == [KINDS[kind][0]]
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert query["response_type"] == ["code"]
    assert query["scope"] == ["openid email profile"]
    assert query["code_challenge_method"] == ["S256"]
    assert re.fullmatch(r"[\w-]{43}", query["code_challenge"][0])  # base64url SHA-256
    assert len(query["nonce"][0]) >= 20
    assert len(query["state"][0]) >= 20
    assert "prompt" not in query


@pytest.mark.parametrize("kind", ["basic", "post", "public"])
def test_the_relying_party_signs_in_and_reads_userinfo(op, kind):
    with _rp(op, kind) as rp:
        final = op.login(requests.Session(), rp.authorization_url, "alice@example.test")
        result = rp.finish(final)
    claims = result["claims"]
    assert claims["iss"] == op.issuer
    assert claims["aud"] == KINDS[kind][0]
    assert claims["sub"] == "alice@example.test"
    assert claims["email"] == "alice@example.test"
    assert claims["nonce"] == parse_qs(urlsplit(rp.authorization_url).query)["nonce"][0]
    assert result["userinfo"]["sub"] == claims["sub"]
    assert result["userinfo"]["email"] == "alice@example.test"
    assert result["id_token_header"]["alg"] == "RS256"
    assert result["id_token_header"]["kid"] == "test"
    assert result["token"]["token_type"].lower() == "bearer"
    assert result["token"]["refresh_token"] is False  # no offline_access asked
    assert result["refreshed"] is None
    assert not JWT.search(json.dumps(result)), "no token in the relying party's output"


def test_an_expected_id_token_algorithm_is_checked(op):
    with _rp(op, "basic", alg="RS256") as rp:
        final = op.login(requests.Session(), rp.authorization_url, "bob")
        assert rp.finish(final)["id_token_header"]["alg"] == "RS256"
    with _rp(op, "basic", alg="ES256") as rp:
        final = op.login(requests.Session(), rp.authorization_url, "bob")
        with pytest.raises(RelyingPartyError, match='"alg"') as refused:
            rp.finish(final)
    assert "RS256" in str(refused.value)


@pytest.mark.parametrize("kind", ["basic", "public"])
def test_a_refresh_token_grant_works(op, kind):
    with _rp(op, kind, refresh=True) as rp:
        query = parse_qs(urlsplit(rp.authorization_url).query)
        assert query["scope"] == ["openid email profile offline_access"]
        assert query["prompt"] == ["consent"]
        final = op.login(requests.Session(), rp.authorization_url, "carol@example.test")
        result = rp.finish(final)
    assert result["token"]["refresh_token"] is True
    assert "offline_access" in result["token"]["scope"].split()
    refreshed = result["refreshed"]
    assert refreshed["token_type"].lower() == "bearer"
    assert refreshed["claims"]["sub"] == result["claims"]["sub"] == "carol@example.test"
    assert refreshed["userinfo"]["sub"] == "carol@example.test"
    # oidc-provider rotates a public client's refresh token on each use, not a confidential one's
    assert refreshed["rotated"] is (kind == "public")
    assert not JWT.search(json.dumps(result))


def test_an_altered_state_is_refused(op):
    with _rp(op, "basic") as rp:
        final = op.login(requests.Session(), rp.authorization_url, "dave")
        with pytest.raises(RelyingPartyError, match="state") as refused:
            rp.finish(_with_query(final, state="forged-state"))
    assert refused.value.error != "Timeout"


def test_a_code_issued_to_another_client_is_refused(op):
    session = requests.Session()
    with _rp(op, "public") as other:
        stolen = op.login(session, other.authorization_url, "erin")
    with _rp(op, "basic") as rp:
        state = parse_qs(urlsplit(rp.authorization_url).query)["state"][0]
        with pytest.raises(RelyingPartyError) as refused:
            rp.finish(_with_query(stolen, state=state))
    assert refused.value.report.get("oauth_error") == "invalid_grant", refused.value


def test_a_wrong_client_secret_is_refused(op):
    with run_relying_party(op.issuer, CONFIDENTIAL, "not-the-secret", REDIRECT_URI) as rp:
        final = op.login(requests.Session(), rp.authorization_url, "frank")
        with pytest.raises(RelyingPartyError) as refused:
            rp.finish(final)
    assert refused.value.report.get("oauth_error") == "invalid_client", refused.value
    assert "not-the-secret" not in str(refused.value)


def test_an_issuer_off_the_loopback_is_refused():
    with (
        pytest.raises(ValueError, match="127.0.0.1"),
        run_relying_party("https://idp.example.test", "client", "", REDIRECT_URI),
    ):
        pass
