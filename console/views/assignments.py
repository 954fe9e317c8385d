"""Identity Center: the organization's accounts and who may open them as which permission set."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from identity import arns, selectors
from identity.authorization import AnyOf, Permission
from identity.requestinfo import safe_next
from sso import selectors as sso_selectors
from sso import services

from ..base import PAGE_SIZE, page_of
from ..forms.sso import AssignmentForm
from .sso_base import DirectoryPage, on_instance

BOTH = "`ACCOUNT_ARN` and `PS`"


def _both(action: str, account, permission_set) -> AnyOf:
    """The two resources of an assignment's action: its account, and its permission set."""
    return AnyOf(
        {
            "account": Permission(action, account),
            "permission_set": Permission(action, permission_set),
        },
        doc=f"`{action}`",
        resource_doc=BOTH,
    )


class AssignmentList(DirectoryPage):
    """Every account of the organization with who may open it as which permission set."""

    permission = on_instance("sso:ListAccountAssignments")
    post_permission = _both(
        "sso:CreateAccountAssignment",
        lambda page: arns.organization_account(
            page.organization.management_account_id, page.organization.id, page.chosen_account.id
        ),
        lambda page: page.chosen_set.arn,
    )
    template_name = "console/sso/assignment_list.html"
    active = "accounts"
    form_class = AssignmentForm

    def load_within(self):
        self.accounts = selectors.organization_accounts_by_age(self.organization)
        self.permission_sets = sso_selectors.permission_sets_by_name(self.organization)

    def form_args(self):
        return (self.accounts, self.permission_sets)

    def get_initial(self):
        get = self.request.GET
        return {
            "account": get.get("account", ""),
            "principal_type": get.get("type", AssignmentForm.PRINCIPAL_USER),
            "principal_name": get.get("name", "")[:128],
        }

    def form_valid(self, form):
        """The assignment the form describes, or None with the form's errors set."""
        data = form.cleaned_data
        self.chosen_account = next(a for a in self.accounts if a.pk == data["account"])
        self.chosen_set = next(
            p for p in self.permission_sets if p.permission_set_id == data["permission_set"]
        )
        self.require(self.post_permission["account"])
        self.require(self.post_permission["permission_set"])
        name = data["principal_name"].strip()
        self.user = self.group = None
        if data["principal_type"] == AssignmentForm.PRINCIPAL_USER:
            self.user = sso_selectors.directory_user_named(self.organization, name)
            if self.user is None:
                form.add_error(
                    "principal_name", _("There is no user with this name in the directory.")
                )
                return None
        else:
            self.group = sso_selectors.group_named(self.organization, name)
            if self.group is None:
                form.add_error(
                    "principal_name", _("There is no group with this name in the directory.")
                )
                return None
        return super().form_valid(form)

    def perform(self, data):
        services.assignment_create(
            actor=self.request.user,
            account=self.chosen_account,
            permission_set=self.chosen_set,
            user=self.user,
            group=self.group,
            request=self.request,
        )

    def success_message(self, result):
        account = self.chosen_account
        return _("%(principal)s may now open %(account)s as %(permission_set)s.") % {
            "principal": self.user.name if self.user else self.group.name,
            "account": f"{account.name} ({account.pk})",
            "permission_set": self.chosen_set.name,
        }

    def success_url(self, result):
        number = self.accounts.index(self.chosen_account) // PAGE_SIZE + 1
        return reverse("console:sso_assignment_list") + f"?page={number}"

    def get_context_data(self, **context):
        page = page_of(self.request, self.accounts)
        by_account = sso_selectors.assignments_by_account(self.organization, page.object_list)
        rows = [(account, by_account[account.pk]) for account in page.object_list]
        return super().get_context_data(
            page=page,
            rows=rows,
            has_permission_sets=bool(self.permission_sets),
            assignable=(self.accounts, self.permission_sets),
            **context,
        )


class AssignmentDelete(DirectoryPage):
    permission = _both(
        "sso:DeleteAccountAssignment",
        lambda page: arns.organization_account(
            page.organization.management_account_id,
            page.organization.id,
            page.assignment.account.id,
        ),
        lambda page: page.assignment.permission_set.arn,
    )
    template_name = "console/sso/assignment_delete.html"
    active = "accounts"

    def load(self):
        super().load()
        self.assignment = sso_selectors.assignment_get(
            self.organization, self.kwargs["assignment_id"]
        )

    def authorize(self):
        self.require(self.permission["account"])
        self.require(self.permission["permission_set"])

    def post(self, request, *args, **kwargs):
        services.assignment_delete(actor=request.user, assignment=self.assignment, request=request)
        messages.success(request, _("The assignment was removed."))
        return redirect(safe_next(request, reverse("console:sso_assignment_list")))

    def get_context_data(self, **context):
        return super().get_context_data(
            assignment=self.assignment,
            next=safe_next(self.request, ""),
            cancel_url=safe_next(self.request, reverse("console:sso_assignment_list")),
            **context,
        )
