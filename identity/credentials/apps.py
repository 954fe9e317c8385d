from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "identity.credentials"
    label = "credentials"
    verbose_name = _("Credentials for programs")
