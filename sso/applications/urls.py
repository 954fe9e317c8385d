from django.urls import path

from . import views
from .saml import views as saml

app_name = "applications"

urlpatterns = [
    path("jwks", views.jwks, name="jwks"),
    path("saml/metadata", saml.metadata, name="saml_metadata"),
    path("saml/certificate.pem", saml.certificate, name="saml_certificate"),
    path("saml/sso", saml.sso, name="saml_sso"),
    path("saml/start/<str:application_id>", saml.start, name="saml_start"),
]
