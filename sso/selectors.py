"""Reads of the organization's SSO directory, always within one organization.

An object of another organization is indistinguishable from one that does not exist
(``Http404``). The administrator pages (``console.views.sso_*``) reach the organization through
its management account first.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from identity import arns
from identity.models import Account, Organization, User

from .models import AccountAssignment, ExternalIdentityProvider, PermissionSet, SSOGroup


def instance_arn(organization: Organization) -> str:
    return arns.sso_instance(organization.pk)


def identity_store_arn(organization: Organization) -> str:
    return arns.identity_store(organization.management_account_id, organization.pk)


def account_sso_user_count(account: Account) -> int:
    """The active SSO users who may open ``account``, directly or through a group (1 query)."""
    return (
        User.objects.filter(kind=User.Kind.SSO, is_active=True)
        .filter(Q(sso_assignments__account=account) | Q(sso_groups__assignments__account=account))
        .values("pk")
        .distinct()
        .count()
    )


def account_permission_set_count(account: Account) -> int:
    """The permission sets assigned in ``account`` (its roles for SSO users) (1 query)."""
    return (
        AccountAssignment.objects.filter(account=account)
        .values("permission_set")
        .distinct()
        .count()
    )


# --- Users -----------------------------------------------------------------------------------


def directory_users(organization: Organization) -> QuerySet[User]:
    return User.objects.filter(kind=User.Kind.SSO, account_id=organization.management_account_id)


def directory_user_get(organization: Organization, unique_id: str) -> User:
    user = directory_users(organization).filter(unique_id=unique_id).first()
    if user is None:
        raise Http404
    return user


def directory_user_named(organization: Organization, name: str) -> User | None:
    return directory_users(organization).filter(name__iexact=name).first()


def directory_users_listed(organization: Organization, search: str = "") -> QuerySet[User]:
    """The directory's users by name, with their group and MFA device counts."""
    users = directory_users(organization)
    if search:
        users = users.filter(Q(name__icontains=search) | Q(contact_email__icontains=search))
    return users.annotate(
        group_count=Count("sso_groups", distinct=True),
        device_count=Count("mfadevice", filter=Q(mfadevice__confirmed=True), distinct=True),
    ).order_by(Lower("name"), "pk")


def user_groups(user: User) -> QuerySet[SSOGroup]:
    return user.sso_groups.order_by(Lower("name"), "pk")


def user_external_identities(user: User) -> QuerySet:
    return user.external_identities.select_related("provider")


def user_external_identity_get(user: User, identity_id: int):
    identity = (
        user.external_identities.select_related("provider__organization")
        .filter(pk=identity_id)
        .first()
    )
    if identity is None:
        raise Http404
    return identity


# --- Groups ----------------------------------------------------------------------------------


def group_get(organization: Organization, group_id: str) -> SSOGroup:
    group = SSOGroup.objects.filter(organization=organization, group_id=group_id).first()
    if group is None:
        raise Http404
    return group


def group_named(organization: Organization, name: str) -> SSOGroup | None:
    return SSOGroup.objects.filter(organization=organization, name__iexact=name).first()


def groups_listed(organization: Organization) -> QuerySet[SSOGroup]:
    return (
        SSOGroup.objects.filter(organization=organization)
        .annotate(
            member_count=Count("members", distinct=True),
            assignment_count=Count("assignments", distinct=True),
        )
        .order_by(Lower("name"), "pk")
    )


def group_members(group: SSOGroup) -> QuerySet[User]:
    return group.members.filter(kind=User.Kind.SSO).order_by(Lower("name"), "pk")


def group_member_get(group: SSOGroup, unique_id: str) -> User:
    user = group.members.filter(kind=User.Kind.SSO, unique_id=unique_id).first()
    if user is None:
        raise Http404
    return user


def group_has_member(group: SSOGroup, user: User) -> bool:
    return group.members.filter(pk=user.pk).exists()


def group_counts(group: SSOGroup) -> dict[str, int]:
    """What deleting a group takes away: its members and its assignments."""
    return {"member_count": group.members.count(), "assignment_count": group.assignments.count()}


def group_assignments(group: SSOGroup) -> QuerySet[AccountAssignment]:
    return group.assignments.select_related("account", "permission_set").order_by(
        "account__name", "account_id", "permission_set__name"
    )


# --- Settings, identity provider, counts -----------------------------------------------------


def external_idp(organization: Organization) -> ExternalIdentityProvider | None:
    return ExternalIdentityProvider.objects.filter(organization=organization).first()


def has_external_idp(organization: Organization) -> bool:
    return ExternalIdentityProvider.objects.filter(organization=organization).exists()


def directory_counts(organization: Organization) -> dict[str, int]:
    return {
        "users": directory_users(organization).count(),
        "groups": SSOGroup.objects.filter(organization=organization).count(),
        "permission_sets": PermissionSet.objects.filter(organization=organization).count(),
        "assignments": AccountAssignment.objects.filter(organization=organization).count(),
    }


# --- Permission sets and assignments ---------------------------------------------------------


def permission_set_get(organization: Organization, permission_set_id: str) -> PermissionSet:
    permission_set = (
        PermissionSet.objects.filter(organization=organization, permission_set_id=permission_set_id)
        .select_related("organization")
        .first()
    )
    if permission_set is None:
        raise Http404
    return permission_set


def permission_set_reloaded(permission_set: PermissionSet) -> PermissionSet:
    """A fresh copy of a stored permission set (to change without touching the one shown)."""
    return PermissionSet.objects.select_related("organization").get(pk=permission_set.pk)


def permission_sets_listed(organization: Organization) -> QuerySet[PermissionSet]:
    """The organization's permission sets by name, with the number of accounts they are in."""
    return (
        PermissionSet.objects.filter(organization=organization)
        .annotate(account_count=Count("assignments__account", distinct=True))
        .order_by(Lower("name"), "pk")
    )


def permission_sets_by_name(organization: Organization) -> list[PermissionSet]:
    return list(
        PermissionSet.objects.filter(organization=organization).order_by(Lower("name"), "pk")
    )


def permission_set_assignments(permission_set: PermissionSet) -> QuerySet[AccountAssignment]:
    return permission_set.assignments.select_related("account", "user", "group").order_by(
        "account__name", "account_id", "pk"
    )


def permission_set_accounts(permission_set: PermissionSet) -> list[Account]:
    """The accounts a permission set is assigned in, by name."""
    return list(
        Account.objects.filter(sso_assignments__permission_set=permission_set)
        .distinct()
        .order_by("name", "id")
    )


def assignments_by_account(organization: Organization, accounts) -> dict[str, list]:
    """The assignments of each of ``accounts`` (one query), by permission set name."""
    by_account: dict[str, list[AccountAssignment]] = {a.pk: [] for a in accounts}
    for assignment in (
        AccountAssignment.objects.filter(organization=organization, account_id__in=by_account)
        .select_related("permission_set", "user", "group")
        .order_by("permission_set__name", "pk")
    ):
        by_account[assignment.account_id].append(assignment)
    return by_account


def assignment_get(organization: Organization, assignment_id: int) -> AccountAssignment:
    assignment = (
        AccountAssignment.objects.filter(organization=organization, pk=assignment_id)
        .select_related("account", "permission_set", "user", "group")
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment
