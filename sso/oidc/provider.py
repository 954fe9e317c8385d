"""django-allauth's OpenID Connect provider, with what Tobira needs on top: a nonce bound to
the state, PKCE, and the ID token's signature always checked.

allauth's own ``openid_connect`` provider sends no ``nonce`` and skips the ID token's
signature when it fetched the token itself; an identity provider console verifies both.
"""

from __future__ import annotations

import secrets

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider

from .views import TobiraOIDCAdapter


class TobiraOIDCProvider(OpenIDConnectProvider):
    id = "tobira_oidc"
    name = "OpenID Connect"
    oauth2_adapter_class = TobiraOIDCAdapter
    pkce_enabled_default = True

    def get_default_scope(self):
        return ["openid", "email", "profile"]

    def get_redirect_from_request_kwargs(self, request):
        # Nothing from the query string (allauth would take ``scope`` and ``auth_params``).
        return {"process": "login"}

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        auth_params = {**auth_params, "nonce": nonce}
        # ``nonce`` is stashed with the state (in the session); the callback compares.
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )


provider_classes = [TobiraOIDCProvider]
