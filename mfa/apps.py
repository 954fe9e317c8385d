from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MFAConfig(AppConfig):
    name = "mfa"
    verbose_name = _("Multi-factor authentication")
