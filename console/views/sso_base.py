"""What the administrator's Identity Center pages share: the directory they reach, and what
they offer.

Only principals of the organization's management account reach them, as in AWS: every page
first reaches the management account through ``identity.selectors`` (anyone else gets a 404),
then asks for the action (a 403 when refused) before it shows or changes anything. Objects
are looked up within the organization (``sso.selectors``), so another organization's ids are
404 too. State changes go through ``sso.services``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from identity import arns, selectors
from identity.authorization import Permission
from identity.models import Account, Organization
from sso import selectors as sso_selectors

from ..base import ConsolePage

INSTANCE = "`INSTANCE`"
STORE = "`STORE`"
PS = "`PS`"


@dataclass(frozen=True)
class Directory:
    """The organization whose Identity Center the request manages, reached through its
    management account."""

    organization: Organization
    account: Account  # the management account: where authorization is asked

    @property
    def instance_arn(self) -> str:
        return sso_selectors.instance_arn(self.organization)

    @property
    def store_arn(self) -> str:
        return sso_selectors.identity_store_arn(self.organization)


def on_instance(action: str, note: str = "") -> Permission:
    return Permission(action, lambda page: page.directory.instance_arn, INSTANCE, note=note)


def on_store(action: str, note: str = "") -> Permission:
    return Permission(action, lambda page: page.directory.store_arn, STORE, note=note)


# What the administrator pages offer, on the instance or the identity store (fixed resources):
# a button the principal may not use is not shown (item 10 of issue 13). Every POST still asks.
_OFFERED = {
    "update_settings": ("sso:UpdateInstance", "instance"),
    "create_idp": ("sso:CreateTrustedTokenIssuer", "instance"),
    "update_idp": ("sso:UpdateTrustedTokenIssuer", "instance"),
    "create_user": ("identitystore:CreateUser", "store"),
    "update_user": ("identitystore:UpdateUser", "store"),
    "delete_user": ("identitystore:DeleteUser", "store"),
    "remove_user_mfa": ("sso:DeleteMfaDeviceForUser", "instance"),
    "create_group": ("identitystore:CreateGroup", "store"),
    "add_member": ("identitystore:CreateGroupMembership", "store"),
    "remove_member": ("identitystore:DeleteGroupMembership", "store"),
    "delete_group": ("identitystore:DeleteGroup", "store"),
    "create_permission_set": ("sso:CreatePermissionSet", "instance"),
    "create_application": ("sso:CreateApplication", "instance"),
    "update_application": ("sso:UpdateApplication", "instance"),
    "delete_application": ("sso:DeleteApplication", "instance"),
    "list_app_assignments": ("sso:ListApplicationAssignments", "instance"),
    "add_app_assignment": ("sso:CreateApplicationAssignment", "instance"),
    "remove_app_assignment": ("sso:DeleteApplicationAssignment", "instance"),
}


class DirectoryPage(ConsolePage):
    """A page of the organization's SSO directory (``console:sso_*``)."""

    active = ""  # the page's tab

    def load(self) -> None:
        organization = selectors.organization_of(self.request.user)
        if organization is None or organization.management_account_id is None:
            raise Http404
        # A member account's principals, and SSO users, do not reach the management account.
        account = selectors.account_get(self.request.user, organization.management_account_id)
        self.directory = Directory(organization, account)
        self.organization = organization

    @property
    def authorization_account(self):
        return self.directory.account

    def get_context_data(self, *, assignable=None, **values) -> dict:
        """The pages' common context, with ``can``: the actions the principal may take there,
        and ``removable``: the pks of the listed assignments it may remove. The engine is asked
        once per page (``permitted``): no query per question or per row.

        ``assignable`` = (accounts, permission sets) asks whether the principal may assign at
        all: ``sso:CreateAccountAssignment`` on one of the accounts and on one of the sets (the
        two questions the POST asks), as ``can.assign``.
        """
        directory = self.directory
        resources = {"instance": directory.instance_arn, "store": directory.store_arn}
        questions = {name: (action, resources[on]) for name, (action, on) in _OFFERED.items()}
        if assignable is not None:
            accounts, permission_sets = assignable
            for account in accounts:
                questions[f"assign:account:{account.pk}"] = (
                    "sso:CreateAccountAssignment",
                    arns.organization_account(
                        directory.organization.management_account_id,
                        directory.organization.id,
                        account.id,
                    ),
                )
            for one in permission_sets:
                questions[f"assign:set:{one.pk}"] = ("sso:CreateAccountAssignment", one.arn)
        permission_set = values.get("permission_set")
        if permission_set is not None:
            questions["update_permission_set"] = ("sso:UpdatePermissionSet", permission_set.arn)
            questions["delete_permission_set"] = ("sso:DeletePermissionSet", permission_set.arn)
        assignments = list(values.get("assignments") or ())
        for _account, listed in values.get("rows") or ():
            assignments.extend(listed)
        organization = directory.organization
        for assignment in assignments:  # both the account and the permission set are asked
            # From the ids the rows carry (no query per row): the page's own permission set, or
            # the one the row's query selected.
            this_set = (
                permission_set
                if permission_set is not None and assignment.permission_set_id == permission_set.pk
                else assignment.permission_set
            )
            account_arn = arns.organization_account(
                organization.management_account_id, organization.id, assignment.account_id
            )
            questions[f"remove:{assignment.pk}:account"] = (
                "sso:DeleteAccountAssignment",
                account_arn,
            )
            questions[f"remove:{assignment.pk}:set"] = ("sso:DeleteAccountAssignment", this_set.arn)
        answers = self.permitted(questions)
        if assignable is not None:
            answers["assign"] = any(answers[f"assign:account:{a.pk}"] for a in accounts) and any(
                answers[f"assign:set:{p.pk}"] for p in permission_sets
            )
        removable = {
            assignment.pk
            for assignment in assignments
            if answers[f"remove:{assignment.pk}:account"] and answers[f"remove:{assignment.pk}:set"]
        }
        if "assignments" in values:
            values["assignments"] = assignments  # evaluated once, here
        return {
            "organization": directory.organization,
            "sso_active": self.active,
            "can": answers,
            "removable": removable,
            **values,
        }
