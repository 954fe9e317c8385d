"""An account's IAM users: the list, a new user, a user's page, console access, deletion.

Each page reaches its objects through ``identity.selectors`` (another tenant's object is a
404), asks ``identity.authorization`` for its IAM action (``ConsolePage``), calls one service
and renders.
"""

from __future__ import annotations

import time
from functools import cached_property

from django.contrib import messages
from django.core.exceptions import ValidationError
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
from ..forms.users import ConsolePasswordForm, IAMUserCreateForm, PermissionsBoundaryForm
from ..lists import Column, ListPage
from .permissions import attach_choices, with_boundary
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
        can = {"create_user": may_create_users(self)}
        return {"search": self.search, "can": can, "bulk_form": "bulk", "bulk_actions": BULK}


# --- Permissions boundaries in the questions ------------------------------------------------


def boundary_choices(account) -> list:
    """The policies a permissions boundary may be: the account's own, then AWS's."""
    return attach_choices(account)


def _choice_arns(choices) -> list[str]:
    return [arn for _label, group in choices for arn, _name in group]


def allowed_with_some_boundary(page, action: str, resource: str) -> bool:
    """Whether ``action`` on ``resource`` is allowed with no ``iam:PermissionsBoundary`` or,
    failing that, with one of the account's managed policies as it: to show a button that leads
    to a form offering those (the form's POST asks again). The account's policies are read only
    when the first answer is no, so an administrator's pages cost no query more."""
    if page.permitted({"none": (action, resource)})["none"]:
        return True
    questions = {
        arn: (action, resource, with_boundary(arn))
        for arn in _choice_arns(boundary_choices(page.account))
    }
    return any(page.permitted(questions).values())


def may_create_users(page) -> bool:
    return allowed_with_some_boundary(page, "iam:CreateUser", any_user_arn(page))


class BoundaryChoicePage:
    """A page whose action carries the permissions boundary its form chooses as
    ``iam:PermissionsBoundary`` (CreateUser, PutUserPermissionsBoundary), as AWS's delegation
    example needs: an administrator may be allowed to create users only with a given boundary.

    The page opens when ``permission`` is allowed with one of the choices at least (or with
    none, when a boundary is optional); the form offers only those; its POST asks
    ``form_permission`` with the one chosen. Refused with every choice, the page's 403 explains
    the question without a boundary.
    """

    boundary_optional = False  # whether "no boundary" is one of the choices

    @cached_property
    def boundary_choices(self) -> list:
        return boundary_choices(self.account)

    @cached_property
    def allowed_boundaries(self) -> set[str]:
        """The choices the principal may make ("" for none): one in-memory question each."""
        action, resource = self.permission.question(self)[:2]
        candidates = [""] if self.boundary_optional else []
        candidates += _choice_arns(self.boundary_choices)
        answers = self.permitted(
            {arn: (action, resource, with_boundary(arn)) for arn in candidates}
        )
        return {arn for arn, allowed in answers.items() if allowed}

    def authorize(self) -> None:
        if not self.allowed_boundaries:
            self.require(self.permission)
        self.load_within()

    def form_args(self):
        return (self.boundary_choices,)

    def chosen_boundary(self) -> dict:
        return with_boundary(self.form.cleaned_data["permissions_boundary"])

    def get_context_data(self, **context):
        form = context.get("form")
        if form is not None:
            form.offer_only(self.allowed_boundaries)
        return super().get_context_data(
            boundary_required=self.boundary_optional and "" not in self.allowed_boundaries,
            **context,
        )


def _new_user_arn(page) -> str:
    """The user about to exist: a Deny on a path or a name applies."""
    data = page.form.cleaned_data
    return arns.user(page.account.id, data["path"] or "/", data["name"])


def _may_grant_password_change(page, user_arn_: str, boundary: dict) -> None:
    """AWS's console attaches IAMUserChangePassword, with the caller's credentials, to a user
    who must create a new password: here the same attach is asked as what it is
    (``iam:AttachUserPolicy`` on the user, the policy and the user's boundary in the context),
    and a refusal is an error on the box, what was typed kept."""
    allowed = Permission(
        "iam:AttachUserPolicy",
        lambda _page: user_arn_,
        context=lambda _page: {"iam:PolicyARN": services.CHANGE_PASSWORD_POLICY, **boundary},
    ).allowed(page.request, page, account=page.authorization_account)
    if not allowed:
        raise ValidationError(
            {
                "password_reset_required": _(
                    "A user who must create a new password needs the policy "
                    "IAMUserChangePassword, and you may not attach it "
                    "(iam:AttachUserPolicy). Untick this box, or ask an administrator for that "
                    "permission."
                )
            }
        )


CHANGE_PASSWORD_NOTE = (
    "; and, when the user must create a new password, `iam:AttachUserPolicy` on the user with "
    "`iam:PolicyARN` IAMUserChangePassword (AWS's console attaches it)"
)


class UserCreate(BoundaryChoicePage, AccountPage):
    permission = Permission(
        "iam:CreateUser",
        any_user_arn,
        ANY_USER,
        note="(without a permissions boundary, or with one of the managed policies as "
        "`iam:PermissionsBoundary`: the form offers those allowed)",
    )
    form_permission = Permission(
        "iam:CreateUser",
        _new_user_arn,
        "the new user's ARN (path and name as typed)",
        note="with the chosen `iam:PermissionsBoundary`, if any" + CHANGE_PASSWORD_NOTE,
        context=lambda page: page.chosen_boundary(),
    )
    boundary_optional = True
    template_name = "console/user_create.html"
    form_class = IAMUserCreateForm
    bare_errors_to = "password"
    sensitive_post_parameters = ("password",)

    def perform(self, data):
        if data["password_reset_required"]:
            _may_grant_password_change(self, _new_user_arn(self), self.chosen_boundary())
        return services.iam_user_create(
            actor=self.request.user,
            account=self.account,
            name=data["name"],
            path=data["path"],
            password=data["password"],
            password_reset_required=data["password_reset_required"],
            contact_email=data["contact_email"],
            permissions_boundary=data["permissions_boundary"],
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
            # As the user was created: with its permissions boundary, if it has one.
            "iam:CreateUser": Permission(
                "iam:CreateUser",
                user_arn,
                context=lambda page: with_boundary(page.user.permissions_boundary),
            ),
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
    permission = Permission(
        "iam:UpdateLoginProfile", user_arn, "`USER`", note=CHANGE_PASSWORD_NOTE.lstrip("; ")
    )
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
        if data["password_reset_required"]:
            user = self.user
            _may_grant_password_change(self, user.arn, with_boundary(user.permissions_boundary))
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
                "remove_boundary": (
                    "iam:DeleteUserPermissionsBoundary",
                    arn,
                    with_boundary(user.permissions_boundary),
                ),
                **program_access.questions(arn),
            }
        )
        can["set_boundary"] = allowed_with_some_boundary(
            self, "iam:PutUserPermissionsBoundary", arn
        )
        return self.render_page(
            boundary=boundary_of(self.account, user),
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


def boundary_of(account, user) -> dict | None:
    """The user's permissions boundary as its page shows it: the policy's name (the last part of
    its ARN) and where its page is; None without one."""
    arn = user.permissions_boundary
    if not arn:
        return None
    name = arn.rsplit("/", 1)[-1]
    if arn.startswith("arn:aws:iam::aws:policy/"):
        url = reverse("console:aws_policy_detail", args=[account.id, name])
    else:
        url = reverse("console:policy_detail", args=[account.id, name])
    return {"arn": arn, "name": name, "url": url}


class UserPermissionsBoundary(BoundaryChoicePage, UserPage):
    """Set or change the user's permissions boundary: one of the managed policies, those the
    principal may set offered."""

    permission = Permission(
        "iam:PutUserPermissionsBoundary",
        user_arn,
        "`USER`",
        note="(with one of the managed policies as `iam:PermissionsBoundary`: the form offers "
        "those allowed)",
    )
    form_permission = Permission(
        "iam:PutUserPermissionsBoundary",
        user_arn,
        "`USER`",
        note="with the chosen `iam:PermissionsBoundary`",
        context=lambda page: page.chosen_boundary(),
    )
    template_name = "console/user_permissions_boundary.html"
    form_class = PermissionsBoundaryForm

    def get_initial(self):
        return {"permissions_boundary": self.user.permissions_boundary}

    def perform(self, data):
        services.user_permissions_boundary_put(
            actor=self.request.user,
            user=self.user,
            policy_arn=data["permissions_boundary"],
            request=self.request,
        )

    def success_message(self, result):
        return _("The permissions boundary of %(name)s is now %(policy)s.") % {
            "name": self.user.name,
            "policy": self.user.permissions_boundary.rsplit("/", 1)[-1],
        }

    def success_url(self, result):
        return reverse("console:user_detail", args=[self.account.id, self.user.name])

    def get_context_data(self, **context):
        return super().get_context_data(boundary=boundary_of(self.account, self.user), **context)


class UserPermissionsBoundaryDelete(UserPage):
    """Remove the user's permissions boundary, after a confirmation: it may widen what the user
    can do to all that their policies allow."""

    permission = Permission(
        "iam:DeleteUserPermissionsBoundary",
        user_arn,
        "`USER`",
        note="with the user's `iam:PermissionsBoundary` (the one removed) in the context",
        context=lambda page: with_boundary(page.user.permissions_boundary),
    )
    template_name = "console/user_permissions_boundary_delete.html"

    def get(self, request, *args, **kwargs):
        return self.render_page(boundary=boundary_of(self.account, self.user))

    def post(self, request, *args, **kwargs):
        if services.user_permissions_boundary_delete(
            actor=request.user, user=self.user, request=request
        ):
            messages.success(
                request,
                _("The permissions boundary of %(name)s was removed.") % {"name": self.user.name},
            )
        return redirect("console:user_detail", account_id=self.account.id, user_name=self.user.name)


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
