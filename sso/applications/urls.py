from django.urls import path

from . import views
from .oidc import views as oidc
from .saml import views as saml

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
    # SAML 2.0: the organization's identity provider.
    path("saml/metadata", saml.metadata, name="saml_metadata"),
    path("saml/certificate.pem", saml.certificate, name="saml_certificate"),
    path("saml/sso", saml.sso, name="saml_sso"),
    path("saml/start/<str:application_id>", saml.start, name="saml_start"),
]
