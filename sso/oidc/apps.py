from django.apps import AppConfig


class OIDCProviderConfig(AppConfig):
    """Registers Tobira's OpenID Connect provider class with django-allauth."""

    name = "sso.oidc"
    label = "sso_oidc"
