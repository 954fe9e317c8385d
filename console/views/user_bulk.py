"""Bulk actions on the user list: the rows ticked, one confirmation, then all or nothing.

``GET`` shows what will happen to whom (nothing changes on a GET); ``POST`` asks the engine
every question first (each chosen user's, or the group's), then runs the services in one
transaction: a refusal, an id that is not a user of this account (another tenant's: 404) or a
service's error leaves every user as it was. Each service writes its own audit event, so the
trail shows one event per user, as the same changes made one at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext_lazy

from identity import selectors, services
from identity.authorization import AnyOf, Permission
from identity.credentials import selectors as credential_selectors
from identity.credentials import services as credential_services
from identity.credentials.models import Status
from mfa.base import selectors as mfa_selectors
from mfa.base import services as mfa_services

from ..base import AccountPage, any_user_arn
from ..forms.common import apply_service_errors

MAX_CHOSEN = 100  # the longest page of the list


def _each_user(target) -> str:
    return target.user.arn


def _delete(page, user, group) -> None:
    services.iam_user_delete(actor=page.request.user, user=user, request=page.request)


def _add_to_group(page, user, group) -> None:
    services.group_member_set(
        actor=page.request.user, group=group, user=user, member=True, request=page.request
    )


def _deactivate_mfa(page, user, group) -> None:
    for device in mfa_selectors.user_devices(user):
        mfa_services.mfa_device_delete(actor=page.request.user, device=device, request=page.request)


def _deactivate_keys(page, user, group) -> None:
    for key in credential_selectors.user_access_keys(user):
        if key.status == Status.ACTIVE:
            credential_services.access_key_status_set(
                actor=page.request.user, key=key, status=Status.INACTIVE, request=page.request
            )


@dataclass(frozen=True)
class BulkAction:
    label: Any
    explanation: Any
    permission: Permission
    apply: Callable  # (page, user, group): the services for one chosen user
    done: Any  # the success message (``%(count)d``, ``%(group)s``), by the number of users
    needs_group: bool = False
    typed_word: str = ""  # the word to type to confirm ("" = a checkbox)


BULK = {
    "delete": BulkAction(
        _l("Delete users"),
        _l(
            "These users are deleted with their passwords, access keys, MFA devices, group "
            "memberships and policies. Their programs and sign-ins stop working. This cannot be "
            "undone."
        ),
        Permission("iam:DeleteUser", _each_user, "`USER` (each chosen user)"),
        _delete,
        ngettext_lazy("%(count)d user was deleted.", "%(count)d users were deleted.", "count"),
        typed_word="delete",
    ),
    "add_to_group": BulkAction(
        _l("Add to group"),
        _l("These users become members of the group and get its permissions."),
        Permission("iam:AddUserToGroup", lambda target: target.group.arn, "`GROUP`"),
        _add_to_group,
        ngettext_lazy(
            "%(count)d user was added to group %(group)s.",
            "%(count)d users were added to group %(group)s.",
            "count",
        ),
        needs_group=True,
    ),
    "deactivate_mfa": BulkAction(
        _l("Deactivate MFA devices"),
        _l(
            "Every MFA device of these users is removed (each owner is told by email). They sign "
            "in with their password alone until they register a device again; policies that "
            "require MFA deny them until then."
        ),
        Permission("iam:DeactivateMFADevice", _each_user, "`USER` (each chosen user)"),
        _deactivate_mfa,
        ngettext_lazy(
            "The MFA devices of %(count)d user were deactivated.",
            "The MFA devices of %(count)d users were deactivated.",
            "count",
        ),
        typed_word="deactivate",
    ),
    "deactivate_keys": BulkAction(
        _l("Deactivate access keys"),
        _l(
            "Every active access key of these users becomes inactive: programs signing with them "
            "are refused at once. You can activate a key again on the user's page."
        ),
        Permission("iam:UpdateAccessKey", _each_user, "`USER` (each chosen user)"),
        _deactivate_keys,
        ngettext_lazy(
            "The access keys of %(count)d user were deactivated.",
            "The access keys of %(count)d users were deactivated.",
            "count",
        ),
        typed_word="deactivate",
    ),
}


class BulkConfirmForm(forms.Form):
    group = forms.ChoiceField(label=_l("Group"), required=False)
    confirmation = forms.CharField(label=_l("To confirm, type the word shown"), max_length=32)

    def __init__(self, action: BulkAction, groups: list[str], *args, **kwargs):
        self.action = action
        super().__init__(*args, **kwargs)
        if action.needs_group:
            self.fields["group"].required = True
            self.fields["group"].choices = [("", _l("Choose a group"))] + [
                (name, name) for name in groups
            ]
        else:
            del self.fields["group"]
        if action.typed_word:
            self.fields["confirmation"].label = _("To confirm, type “%(word)s”") % {
                "word": action.typed_word
            }
        else:
            del self.fields["confirmation"]

    def clean_confirmation(self):
        value = self.cleaned_data["confirmation"].strip().lower()
        if value != self.action.typed_word:
            raise ValidationError(_("Type the word exactly as shown."), code="mismatch")
        return value


class UserBulk(AccountPage):
    permission = Permission("iam:ListUsers", any_user_arn, "`arn:aws:iam::ACCOUNT:user/*`")
    post_permission = AnyOf(
        {key: action.permission for key, action in BULK.items()},
        resource_doc="each chosen user's ARN (the group's for Add to group)",
    )
    template_name = "console/user_bulk.html"
    action = None

    def load(self):
        super().load()
        source = self.request.POST if self.request.method == "POST" else self.request.GET
        self.action_key = source.get("action", "")
        self.action = BULK.get(self.action_key)
        chosen = source.getlist("user")
        self.too_many = len(chosen) > MAX_CHOSEN
        self.users = (
            []
            if self.action is None or not chosen or self.too_many
            else selectors.account_users_chosen(account=self.account, unique_ids=chosen)
        )

    def authorize(self):
        # The POST's questions are asked per user in ``post``, before anything changes.
        self.require(self.permission)

    def back(self):
        return redirect("console:user_list", account_id=self.account.id)

    def get_form(self, data=None):
        groups = []
        if self.action.needs_group:
            groups = [group.name for group in selectors.account_groups(account=self.account)[:500]]
        return BulkConfirmForm(self.action, groups, data)

    def refuse_choice(self):
        if self.too_many:
            messages.error(
                self.request,
                _("Choose at most %(count)d users at a time.") % {"count": MAX_CHOSEN},
            )
        elif self.action is None:
            messages.error(self.request, _("Choose what to do with the selected users."))
        else:
            messages.error(self.request, _("Select at least one user."))
        return self.back()

    def get(self, request, *args, **kwargs):
        if not self.users:
            return self.refuse_choice()
        return self.render_page(form=self.get_form())

    def post(self, request, *args, **kwargs):
        if not self.users:
            return self.refuse_choice()
        self.form = form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render_page(form=form)
        group = None
        if self.action.needs_group:
            group = selectors.account_group_get(
                account=self.account, group_name=form.cleaned_data["group"]
            )
        # Every question first: one refusal and nobody is changed.
        for user in self.users:
            self.action.permission.require(
                request, SimpleNamespace(user=user, group=group), account=self.account
            )
        try:
            with transaction.atomic():
                for user in self.users:
                    self.action.apply(self, user, group)
        except ValidationError as error:
            apply_service_errors(form, error)
            return self.render_page(form=form)
        messages.success(request, self.done_message(group))
        return self.back()

    def done_message(self, group) -> str:
        return self.action.done % {"count": len(self.users), "group": group.name if group else ""}

    def get_context_data(self, **context):
        return super().get_context_data(
            users=self.users,
            action=self.action,
            action_key=self.action_key,
            cancel_url=reverse("console:user_list", args=[self.account.id]),
            **context,
        )
