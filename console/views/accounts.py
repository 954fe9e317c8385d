"""An account's pages: its summary and the reset of a member root user's MFA (its trail:
``events.py``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts import flows as signin_flows
from identity import arns, authn_state, ids, selectors
from identity.authorization import Permission
from mfa.base import selectors as mfa_selectors
from mfa.base import services as mfa_services
from sso import selectors as sso_selectors

from ..base import AccountPage, account_root_arn
from ..forms.organization import RootMFAResetForm
from .users import may_create_users


class AccountDetail(AccountPage):
    permission = Permission(
        "iam:GetAccountSummary", account_root_arn, "`arn:aws:iam::ACCOUNT:root`"
    )
    template_name = "console/account_detail.html"

    def get(self, request, *args, **kwargs):
        account = self.account
        root = selectors.account_root_user(account)
        people = {
            **selectors.account_iam_people(account),
            "sso_users": sso_selectors.account_sso_user_count(account),
        }
        is_member_seen_from_management = (
            account.pk != account.organization.management_account_id
            and request.user.account_id != account.pk
        )
        organization = account.organization
        in_organization = arns.organization_account(
            organization.management_account_id, organization.pk, account.pk
        )
        can = self.permitted(
            {
                "list_parents": ("organizations:ListParents", in_organization),
                "move": ("organizations:MoveAccount", in_organization),
                "reset_root_mfa": ("iam:DeactivateMFADevice", root.arn),
                "list_users": ("iam:ListUsers", arns.user(account.id, "/", "*")),
                "create_user": ("iam:CreateUser", arns.user(account.id, "/", "*")),
                "events": ("cloudtrail:LookupEvents", arns.trail(account.id, "*")),
                "groups": ("iam:ListGroups", arns.group(account.id, "/", "*")),
                "policies": ("iam:ListPolicies", arns.policy(account.id, "/", "*")),
                "simulator": ("iam:SimulatePrincipalPolicy", arns.user(account.id, "/", "*")),
                "credential_report": ("iam:GetCredentialReport", "*"),
                "password_policy": ("iam:GetAccountPasswordPolicy", "*"),
                "signin_settings": ("iam:GetAccountSigninSettings", arns.root(account.id)),
                "set_up_sso": (
                    "sso:DescribeInstance",
                    sso_selectors.instance_arn(account.organization),
                ),
            }
        )
        if not can["create_user"]:  # perhaps with a permissions boundary (the delegation case)
            can["create_user"] = may_create_users(self)
        # Where the account sits: told to the management account's principals who may list
        # its parents (AWS: organizations:ListParents), as AWS Organizations tells no member.
        sees_structure = (
            request.user.account_id == organization.management_account_id
            and not getattr(request.user, "is_sso", False)
            and can["list_parents"]
        )
        return self.render_page(
            root=root,
            user_count=people["iam_users"],
            people=people,
            can_reset_root_mfa=is_member_seen_from_management and can["reset_root_mfa"],
            can_set_up_sso=can["set_up_sso"]
            and request.user.account_id == account.organization.management_account_id,
            can=can,
            organizational_units=(
                selectors.account_organizational_units(account) if sees_structure else None
            ),
            root_id=ids.organization_root_id(organization.pk),
            can_move=sees_structure and can["move"],
        )


class AccountRootMFAReset(AccountPage):
    """Centralized root access: the management account removes a member account's root MFA.

    It takes the password again and a session that signed in with MFA: a stolen
    cookie or a recovery-code session must not strip MFA from every member root.
    """

    permission = Permission(
        "iam:DeactivateMFADevice",
        lambda page: page.root.arn,
        "`arn:aws:iam::ACCOUNT:root`",
        note="(member accounts only, from the management account)",
    )
    template_name = "console/account_root_mfa_reset.html"
    sensitive_post_parameters = ("password",)

    def load(self):
        super().load()
        account = self.account
        if (
            account.pk == account.organization.management_account_id
            or self.request.user.account_id == account.pk
        ):
            raise Http404  # only for member accounts, from the management account
        self.root = selectors.account_root_user(account)

    def get(self, request, *args, **kwargs):
        self.devices = list(mfa_selectors.user_devices(self.root))
        return self.render_page(form=RootMFAResetForm(self.account.id))

    def post(self, request, *args, **kwargs):
        self.devices = list(mfa_selectors.user_devices(self.root))
        form = RootMFAResetForm(self.account.id, request.POST)
        if not authn_state.mfa_present(request):
            form.is_valid()
            form.add_error(None, _("Sign in with your MFA device first: this needs MFA."))
            self.status = 403
        elif form.is_valid():
            confirmed, self.status = signin_flows.password_confirmed(request, form)
            if confirmed:
                mfa_services.root_user_mfa_reset(
                    actor=request.user, root=self.root, devices=self.devices, request=request
                )
                messages.success(
                    request,
                    _("The root user of %(account)s has no MFA device now.")
                    % {"account": self.account.id},
                )
                return redirect("console:account_detail", account_id=self.account.id)
        return self.render_page(form=form)

    def get_context_data(self, **context):
        return super().get_context_data(
            root=self.root,
            devices=self.devices,
            mfa_present=authn_state.mfa_present(self.request),
            **context,
        )
