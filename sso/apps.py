from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SSOConfig(AppConfig):
    name = "sso"
    verbose_name = _("Single sign-on (Identity Center)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.signals import signing_in, signing_out

        from . import receivers

        signing_in.connect(receivers.end_role_session_at_signin, dispatch_uid="sso.signin")
        signing_out.connect(receivers.end_role_session_at_signout, dispatch_uid="sso.signout")
