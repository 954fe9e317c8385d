"""The account's password policy (AWS's "Account settings › Password policy"): shown, edited and
deleted. It binds the account's IAM users, not its root user."""

from __future__ import annotations

from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils.translation import gettext as _

from identity import passwords, services
from identity.authorization import Permission
from identity.models import AccountPasswordPolicy

from ..base import AccountPage
from ..forms.password_policy import PasswordPolicyDeleteForm, PasswordPolicyForm


def _any(page) -> str:
    return "*"  # the policy is the account's; AWS's actions take no resource


GET_POLICY = Permission("iam:GetAccountPasswordPolicy", _any, "`*`")
UPDATE_POLICY = Permission("iam:UpdateAccountPasswordPolicy", _any, "`*`")
DELETE_POLICY = Permission("iam:DeleteAccountPasswordPolicy", _any, "`*`")


class _PolicyPage(AccountPage):
    def load_within(self) -> None:
        self.policy = AccountPasswordPolicy.objects.filter(account=self.account).first()

    def get_context_data(self, **context) -> dict:
        return super().get_context_data(
            policy=self.policy, rules=passwords.requirements(self.policy), **context
        )

    def success_url(self, result) -> str:
        return reverse("console:password_policy", args=[self.account.id])


class PasswordPolicyPage(_PolicyPage):
    permission = GET_POLICY
    post_permission = UPDATE_POLICY
    template_name = "console/password_policy.html"
    form_class = PasswordPolicyForm

    def get_initial(self) -> dict | None:
        return model_to_dict(self.policy) if self.policy else None

    def get_context_data(self, **context) -> dict:
        can = self.permitted(
            {"update": UPDATE_POLICY.question(self), "delete": DELETE_POLICY.question(self)}
        )
        return super().get_context_data(can=can, **context)

    def perform(self, data: dict):
        return services.password_policy_set(
            actor=self.request.user, account=self.account, request=self.request, **data
        )

    def success_message(self, result) -> str:
        return _("The password policy has been saved.")


class PasswordPolicyDelete(_PolicyPage):
    permission = DELETE_POLICY
    template_name = "console/password_policy_delete.html"
    form_class = PasswordPolicyDeleteForm

    def perform(self, data: dict):
        services.password_policy_delete(
            actor=self.request.user, account=self.account, request=self.request
        )

    def success_message(self, result) -> str:
        return _("The password policy has been deleted. Tobira's own password rules still apply.")
