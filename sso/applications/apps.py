from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    """The applications Tobira signs people in to (OpenID Connect, SAML 2.0): issue 15."""

    name = "sso.applications"
    label = "applications"
    verbose_name = _("Applications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.signals import signing_in

        from .saml import pending

        # A SAML request waiting for a new sign-in (ForceAuthn) learns that it happened.
        signing_in.connect(pending.mark_signed_in, dispatch_uid="applications.saml.signin")
