from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Directory")

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
