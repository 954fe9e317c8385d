"""An account's IAM users: the list, a new user, a user's page, console access, deletion.

Each page reaches its objects through ``identity.selectors`` (another tenant's object is a
404), asks ``identity.authorization`` for its IAM action (``ConsolePage``), calls one service
and renders.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.db.models.functions import Lower
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext

from identity import arns, browser_sessions, crypto, passwords, selectors, services
from identity.authorization import AnyOf, Permission
from identity.credentials import selectors as credential_selectors
from identity.credentials.models import (
    MAX_ACCESS_KEYS_PER_USER,
    MAX_SIGNING_CERTIFICATES_PER_USER,
    MAX_SSH_PUBLIC_KEYS_PER_USER,
)
from mfa.base import selectors as mfa_selectors
from mfa.credentials import program_access
from sso import selectors as sso_selectors

from ..base import AccountPage, UserPage, any_user_arn, user_arn
from ..forms.common import DeleteConfirmForm
from ..forms.users import ConsolePasswordForm, IAMUserCreateForm
from ..lists import Column, ListPage
from .user_bulk import BULK

ANY_USER = "`arn:aws:iam::ACCOUNT:user/*`"


USER_COLUMNS = (
    Column("user_name", _l("User name"), (Lower("name"),), lambda user: user.name),
    Column("path", _l("Path"), ("path",), lambda user: user.path),
    Column("groups", _l("Groups"), ("group_count",), lambda user: user.group_count),
    Column("console_password", _l("Console password"), (), lambda user: user.has_usable_password()),
    Column(
        "last_sign_in",
        _l("Console last sign-in"),
        ("password_last_used",),
        lambda user: user.password_last_used,
    ),
    Column("created", _l("Created"), ("created",), lambda user: user.created),
    Column("arn", "ARN", (), lambda user: user.arn, in_table=False),
)


class UserList(ListPage, AccountPage):
    permission = Permission("iam:ListUsers", any_user_arn, ANY_USER)
    template_name = "console/user_list.html"
    columns = USER_COLUMNS
    default_sort = "user_name"
    csv_name = "users"
    export_kind = "users"

    def rows(self):
        self.search = self.request.GET.get("q", "").replace("\x00", "")[:64]
        return selectors.account_users(account=self.account, search=self.search)

    def list_context(self, page) -> dict:
        can = self.permitted({"create_user": ("iam:CreateUser", any_user_arn(self))})
        return {"search": self.search, "can": can, "bulk_form": "bulk", "bulk_actions": BULK}


def _new_user_arn(page) -> str:
    """The user about to exist: a Deny on a path or a name applies."""
    data = page.form.cleaned_data
    return arns.user(page.account.id, data["path"] or "/", data["name"])


class UserCreate(AccountPage):
    permission = Permission("iam:CreateUser", any_user_arn, ANY_USER)
    form_permission = Permission(
        "iam:CreateUser", _new_user_arn, "the new user's ARN (path and name as typed)"
    )
    template_name = "console/user_create.html"
    form_class = IAMUserCreateForm
    bare_errors_to = "password"
    sensitive_post_parameters = ("password",)

    def perform(self, data):
        return services.iam_user_create(
            actor=self.request.user,
            account=self.account,
            name=data["name"],
            path=data["path"],
            password=data["password"],
            password_reset_required=data["password_reset_required"],
            contact_email=data["contact_email"],
            request=self.request,
        )

    def succeeded(self, user):
        if self.form.generated_password:
            return show_password_once(
                self.request, self.account, user, self.form.generated_password, "iam:CreateUser"
            )
        return super().succeeded(user)

    def success_message(self, user):
        return _("User %(name)s was created.") % {"name": user.name}

    def success_url(self, user):
        return reverse("console:user_detail", args=[self.account.id, user.name])

    def get_context_data(self, **context):
        account = self.account
        can = self.permitted(
            {
                "set_up_sso": (
                    "sso:DescribeInstance",
                    sso_selectors.instance_arn(account.organization),
                )
            }
        )
        return super().get_context_data(
            can_set_up_sso=can["set_up_sso"]
            and self.request.user.account_id == account.organization.management_account_id,
            password_rules=passwords.requirements(passwords.account_policy(account)),
            **context,
        )


SHOWN_PASSWORD_SESSION_KEY = "tobira_password_to_show"
SHOWN_PASSWORD_TTL = 600  # seconds: a generated password not looked at by then is not shown


def show_password_once(request, account, user, password, action):
    """Keep the generated password in the session until the one-time page shows it.

    A redirect, so reloading the page does not post the form again (and set yet another
    password); the page takes the password out of the session as it shows it.
    """
    request.session[SHOWN_PASSWORD_SESSION_KEY] = {
        "account": account.id,
        "user": user.unique_id,
        "action": action,
        "password": crypto.encrypt(password.encode()),  # the session store never holds it clear
        "at": int(time.time()),
    }
    return redirect("console:user_password_shown", account_id=account.id, user_name=user.name)


class UserPasswordShown(UserPage):
    """The one time a generated password is shown: with Copy and Download .csv, never again.

    Asks the engine for the action that set the password (``iam:CreateUser`` or
    ``iam:UpdateLoginProfile``); the response is never stored (``no-store``).
    """

    permission = AnyOf(
        {
            "iam:CreateUser": Permission("iam:CreateUser", user_arn),
            "iam:UpdateLoginProfile": Permission("iam:UpdateLoginProfile", user_arn),
            "iam:GetUser": Permission("iam:GetUser", user_arn),
        },
        doc="the action that set the generated password (`iam:CreateUser` or "
        "`iam:UpdateLoginProfile`) when it is shown (once, from the session), else `iam:GetUser`",
        resource_doc="`USER`",
    )
    template_name = "console/user_password_shown.html"
    never_cache = True  # Cache-Control: no-store (and no-cache, private)

    def authorize(self):
        session = self.request.session
        pending = session.get(SHOWN_PASSWORD_SESSION_KEY)
        if pending and time.time() - pending.get("at", 0) > SHOWN_PASSWORD_TTL:
            session.pop(SHOWN_PASSWORD_SESSION_KEY, None)  # left unseen: set a new one
            pending = None
        self.password = None
        user = self.user
        if (
            pending
            and pending.get("account") == self.account.id
            and pending.get("user") == (user.unique_id)
        ):
            self.require(self.permission[pending["action"]])
            held = session.pop(SHOWN_PASSWORD_SESSION_KEY)["password"]
            try:
                self.password = crypto.decrypt(held).decode()
            except crypto.DecryptionError:  # keys rotated away meanwhile: shown as already gone
                self.password = None
        else:
            self.require(self.permission["iam:GetUser"])

    def get(self, request, *args, **kwargs):
        return self.render_page(
            generated_password=self.password,
            signin_url=request.build_absolute_uri(
                reverse("accounts:signin_account", args=[self.account.signin_identifier])
            ),
        )


class UserConsoleAccess(UserPage):
    permission = Permission("iam:UpdateLoginProfile", user_arn, "`USER`")
    template_name = "console/user_console_access.html"
    form_class = ConsolePasswordForm
    bare_errors_to = "password"
    sensitive_post_parameters = ("password",)

    def get_initial(self):
        return {"console_access": True}

    def get_context_data(self, **context) -> dict:
        rules = passwords.requirements(passwords.account_policy(self.account))
        return super().get_context_data(password_rules=rules, **context)

    def perform(self, data):
        services.iam_user_console_access_set(
            actor=self.request.user,
            user=self.user,
            password=data["password"],
            password_reset_required=data["password_reset_required"],
            request=self.request,
        )

    def succeeded(self, result):
        form = self.form
        if form.generated_password:
            return show_password_once(
                self.request,
                self.account,
                self.user,
                form.generated_password,
                "iam:UpdateLoginProfile",
            )
        return super().succeeded(result)

    def success_message(self, result):
        if self.form.cleaned_data["password"]:
            return _("The console password of %(name)s was set.") % {"name": self.user.name}
        return _("Console access of %(name)s was disabled.") % {"name": self.user.name}

    def success_url(self, result):
        return reverse("console:user_detail", args=[self.account.id, self.user.name])


class UserDetail(UserPage):
    permission = Permission(
        "iam:GetUser",
        user_arn,
        "`USER`",
        note="(its access keys, SSH public keys and certificates are listed when "
        "`iam:ListAccessKeys`, `iam:ListSSHPublicKeys`, `iam:ListSigningCertificates` allow)",
    )
    template_name = "console/user_detail.html"

    def get(self, request, *args, **kwargs):
        user = self.user
        arn = user.arn
        can = self.permitted(
            {
                "delete": ("iam:DeleteUser", arn),
                "console_access": ("iam:UpdateLoginProfile", arn),
                "end_sessions": ("iam:UpdateLoginProfile", arn),
                "permissions": ("iam:ListAttachedUserPolicies", arn),
                "assign_mfa": ("iam:EnableMFADevice", arn),
                "remove_mfa": ("iam:DeactivateMFADevice", arn),
                **program_access.questions(arn),
            }
        )
        return self.render_page(
            groups=selectors.user_groups(user),
            sessions=browser_sessions.user_browser_sessions_summary(user),
            mfa_devices=mfa_selectors.user_devices(user),
            can=can,
            access_keys=list(credential_selectors.user_access_keys(user))
            if can["list_access_keys"]
            else [],
            ssh_keys=list(credential_selectors.user_ssh_public_keys(user))
            if can["list_ssh_keys"]
            else [],
            certificates=list(credential_selectors.user_signing_certificates(user))
            if can["list_certificates"]
            else [],
            max_access_keys=MAX_ACCESS_KEYS_PER_USER,
            max_ssh_keys=MAX_SSH_PUBLIC_KEYS_PER_USER,
            max_certificates=MAX_SIGNING_CERTIFICATES_PER_USER,
        )


class UserDelete(UserPage):
    permission = Permission("iam:DeleteUser", user_arn, "`USER`")
    template_name = "console/user_delete.html"
    form_class = DeleteConfirmForm

    def form_args(self):
        return (self.user.name,)

    def perform(self, data):
        services.iam_user_delete(actor=self.request.user, user=self.user, request=self.request)

    def success_message(self, result):
        return _("User %(name)s was deleted.") % {"name": self.user.name}

    def success_url(self, result):
        return reverse("console:user_list", args=[self.account.id])


class UserSessionsEnd(UserPage):
    """*End all sessions*: every browser signed in as the user is signed out (a confirmation,
    then a POST). Asks ``iam:UpdateLoginProfile``: a console session is the login profile's, and
    resetting the password (the same action) ends them too."""

    permission = Permission(
        "iam:UpdateLoginProfile",
        user_arn,
        "`USER`",
        note="(a console session belongs to the login profile; a password reset ends them too)",
    )
    template_name = "console/user_sessions_end.html"

    def get(self, request, *args, **kwargs):
        return self.render_page(sessions=list(browser_sessions.user_browser_sessions(self.user)))

    def post(self, request, *args, **kwargs):
        ended = browser_sessions.browser_sessions_end_all(
            actor=request.user, user=self.user, request=request
        )
        messages.success(
            request,
            ngettext(
                "%(count)d session of %(name)s was ended.",
                "%(count)d sessions of %(name)s were ended.",
                ended,
            )
            % {"count": ended, "name": self.user.name},
        )
        return redirect("console:user_detail", account_id=self.account.id, user_name=self.user.name)
