from django.urls import path

from . import views
from .oidc import views as oidc

app_name = "applications"

urlpatterns = [
    path("jwks", views.jwks, name="jwks"),
    # OpenID Connect: the organization is the issuer /o/<organization id>.
    path(".well-known/openid-configuration", oidc.discovery, name="discovery"),
    path("authorize", oidc.authorize, name="authorize"),
    path("authorize/consent", oidc.consent, name="consent"),
    path("token", oidc.Token.as_view(), name="token"),
    path("userinfo", oidc.UserInfo.as_view(), name="userinfo"),
    path("revoke", oidc.Revoke.as_view(), name="revoke"),
    path("logout", oidc.logout, name="logout"),
]
