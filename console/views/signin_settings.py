"""The account's sign-in settings: whether its IAM users may sign in with a passkey alone
(Tobira's own setting, beyond AWS, whose passkeys are a second factor only)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from identity import services
from identity.authorization import Permission

from ..base import AccountPage, account_root_arn
from ..forms.signin_settings import SigninSettingsForm

ROOT = "`arn:aws:iam::ACCOUNT:root`"
GET_SETTINGS = Permission("iam:GetAccountSigninSettings", account_root_arn, ROOT)
UPDATE_SETTINGS = Permission("iam:UpdateAccountSigninSettings", account_root_arn, ROOT)


class SigninSettings(AccountPage):
    permission = GET_SETTINGS
    post_permission = UPDATE_SETTINGS
    template_name = "console/signin_settings.html"
    form_class = SigninSettingsForm

    def get_initial(self) -> dict | None:
        return {"passkey_signin": self.account.passkey_signin}

    def get_context_data(self, **context) -> dict:
        can = self.permitted({"update": UPDATE_SETTINGS.question(self)})
        return super().get_context_data(can=can, **context)

    def perform(self, data: dict):
        return services.account_signin_settings_set(
            actor=self.request.user,
            account=self.account,
            passkey_signin=data["passkey_signin"],
            request=self.request,
        )

    def success_message(self, result) -> str:
        return _("The sign-in settings have been saved.")

    def success_url(self, result) -> str:
        return reverse("console:signin_settings", args=[self.account.id])
