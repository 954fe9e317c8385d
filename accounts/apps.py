from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Signing in and security credentials")

    def ready(self):
        # The sign-in flow writes last_login together with password_last_used in
        # one UPDATE; Django's own receiver would write it a second time.
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login

        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
