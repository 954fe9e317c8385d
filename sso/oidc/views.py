from __future__ import annotations

from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.utils import build_absolute_uri
from django.http import Http404
from django.urls import reverse
from django.views.decorators.http import require_POST


class TobiraOIDCAdapter(OpenIDConnectOAuth2Adapter):
    def get_callback_url(self, request, app):
        url = reverse("sso_oidc:callback", kwargs={"provider_id": self.provider_id})
        return build_absolute_uri(request, url, self.redirect_uri_protocol)

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        # Always check the signature, issuer, audience and expiry of the ID token.
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )


@require_POST
def login(request, provider_id: str):
    """Start signing in at the organization's provider (a POST from the portal's sign-in page)."""
    try:
        return OAuth2LoginView.adapter_view(TobiraOIDCAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


def callback(request, provider_id: str):
    try:
        return OAuth2CallbackView.adapter_view(TobiraOIDCAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
