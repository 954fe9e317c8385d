"""The two URLs of signing in at an external identity provider, on django-allauth's views.

``login`` (a POST from the portal) redirects to the provider; ``callback`` is where the
provider sends the browser back. Both are rate-limited per address and per provider, and
open only while the organization's identity source is that provider. Whatever goes wrong
talking to the provider ends on the portal with a message and an audit event, never a 500.
"""

from __future__ import annotations

import jwt
import requests
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.utils import build_absolute_uri
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from identity import audit, ratelimit
from identity.audit_events import Event
from identity.headers import hand_over_cross_origin_redirects

# Asymmetric signatures only: never "none", never an HMAC keyed with the client secret.
ID_TOKEN_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
DISCOVERY_CACHE_SECONDS = 300


def _insecure_allowed() -> bool:
    return settings.SSO_OIDC_ALLOW_HTTP


class TobiraOIDCAdapter(OpenIDConnectOAuth2Adapter):
    @property
    def openid_config(self):
        """The provider's discovery document, checked, cached for a few minutes."""
        if not hasattr(self, "_openid_config"):
            provider = self.get_provider()
            issuer = provider.app.settings["server_url"].rstrip("/")
            key = f"sso:oidc:discovery:{self.provider_id}:{issuer}"
            config = cache.get(key)
            if config is None:
                config = super().openid_config
                check_discovery(config, issuer)
                cache.set(key, config, DISCOVERY_CACHE_SECONDS)
            self._openid_config = config
        return self._openid_config

    def get_callback_url(self, request, app):
        url = reverse("sso_oidc:callback", kwargs={"provider_id": self.provider_id})
        return build_absolute_uri(request, url, self.redirect_uri_protocol)

    def _decode_id_token(self, app, id_token: str) -> dict:
        """Signature, issuer, audience and expiry always; an asymmetric algorithm; ``azp``."""
        try:
            algorithm = jwt.get_unverified_header(id_token).get("alg")
        except jwt.PyJWTError as error:
            raise OAuth2Error("The ID token is malformed.") from error
        if algorithm not in ID_TOKEN_ALGORITHMS:
            raise OAuth2Error("The ID token's algorithm is not accepted.")
        claims = jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )
        for claim in ("iss", "sub", "aud", "exp", "iat"):
            if claim not in claims:
                raise OAuth2Error(f"The ID token has no {claim} claim.")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != app.client_id:
            raise OAuth2Error("The ID token names other audiences without azp.")
        return claims


def check_discovery(config: dict, issuer: str) -> None:
    """The document must be the configured issuer's, with endpoints we are willing to call."""
    if str(config.get("issuer", "")).rstrip("/") != issuer:
        raise OAuth2Error("The discovery document names another issuer.")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"):
        url = str(config.get(name) or "")
        if not url.startswith("https://") and not (
            _insecure_allowed() and url.startswith("http://")
        ):
            raise OAuth2Error(f"The provider's {name} is not an https URL.")


def _idp_or_404(provider_id: str):
    from sso.models import ExternalIdentityProvider, SSOSettings

    idp = (
        ExternalIdentityProvider.objects.select_related("organization__sso_settings")
        .filter(provider_id=provider_id)
        .first()
    )
    settings_ = getattr(idp.organization, "sso_settings", None) if idp else None
    if settings_ is None or settings_.identity_source != SSOSettings.IdentitySource.EXTERNAL:
        raise Http404  # unknown, or not the identity source: the same answer
    return idp


def _throttled(request, idp) -> bool:
    attempt = ratelimit.attempt("sso_federation", request=request, user_key=idp.provider_id)
    if attempt.allowed:
        return False
    if attempt.just_tripped:
        audit.record(
            Event.USER_AUTHENTICATION,
            request=request,
            actor=None,
            account_id=idp.organization.management_account_id,
            request_parameters={"loginTo": "portal", "federated": True},
            response_elements={"UserAuthentication": "Failure"},
            error_code="Throttled",
            error_message="Too many sign-ins through the provider.",
        )
    messages.error(request, _("Too many sign-in attempts. Wait a few minutes, then try again."))
    return True


def _guarded(view_class, request, idp):
    from sso.federation import refuse_response

    if _throttled(request, idp):
        return redirect("sso:portal", organization_id=idp.organization_id)
    try:
        return view_class.adapter_view(TobiraOIDCAdapter(request, idp.provider_id))(request)
    except (
        requests.RequestException,
        OAuth2Error,
        jwt.PyJWTError,
        KeyError,
        ValueError,
        TypeError,
    ) as error:
        return refuse_response(
            request, idp, "ProviderUnavailable", f"{type(error).__name__} talking to the provider."
        )


@require_POST
@hand_over_cross_origin_redirects  # the portal's form, then the provider's own redirects
def login(request, provider_id: str):
    """Start signing in at the organization's provider (a POST from the portal's sign-in page)."""
    return _guarded(OAuth2LoginView, request, _idp_or_404(provider_id))


def callback(request, provider_id: str):
    return _guarded(OAuth2CallbackView, request, _idp_or_404(provider_id))
