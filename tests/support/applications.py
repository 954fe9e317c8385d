"""An OpenID Connect application of an organization and the requests a relying party makes
to it, through the test client: the authorization URL (PKCE S256, state, nonce), the code
exchange, client credentials; and reading an ID token's claims."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from django.urls import reverse

from sso.applications import services as app_services

REDIRECT_URI = "https://wiki.example.test/callback"


LOGGED_OUT = "https://wiki.example.test/bye"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class App:
    def __init__(self, organization, *, first_party=True, **options):
        self.organization = organization
        self.application, self.client, self.secret = app_services.oidc_application_create(
            actor=None,
            organization=organization,
            name="Wiki",
            redirect_uris=[REDIRECT_URI],
            post_logout_redirect_uris=[LOGGED_OUT],
            skip_authorization=first_party,
            **options,
        )
        self.verifier = secrets.token_urlsafe(48)

    def authorize_url(self, **params) -> str:
        query = {
            "client_id": self.client.client_id,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid profile",
            "state": "st",
            "nonce": "nn",
            "code_challenge": b64(hashlib.sha256(self.verifier.encode()).digest()),
            "code_challenge_method": "S256",
            **params,
        }
        query = {key: value for key, value in query.items() if value is not None}
        return (
            reverse("applications:authorize", args=[self.organization.pk]) + "?" + urlencode(query)
        )

    def exchange(self, client, callback: str) -> dict:
        code = parse_qs(urlsplit(callback).query)["code"][0]
        basic = base64.b64encode(f"{self.client.client_id}:{self.secret}".encode()).decode()
        response = client.post(
            reverse("applications:token", args=[self.organization.pk]),
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": self.verifier,
            },
            HTTP_AUTHORIZATION=f"Basic {basic}",
        )
        assert response.status_code == 200, response.content
        return response.json()


def id_claims(tokens: dict) -> dict:
    payload = tokens["id_token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def machine_client(organization, **options):
    return app_services.oidc_application_create(
        actor=None,
        organization=organization,
        name="Nightly job",
        redirect_uris=[],
        grant_types=["client_credentials"],
        **options,
    )


def client_credentials(client, organization, client_id, secret, **data):
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return client.post(
        reverse("applications:token", args=[organization.pk]),
        {"grant_type": "client_credentials", **data},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
