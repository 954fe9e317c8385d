"""Reads, always scoped to what the acting principal can reach.

There is no "get by id" here that ignores the principal: an object outside
the principal's reach is indistinguishable from one that does not exist
(``Http404``), so ids of other tenants cannot be probed.
"""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from .models import Account, Organization, User


def reachable_accounts(principal: User) -> QuerySet[Account]:
    """The accounts a principal may act on at all (authorization decides what it may do).

    A principal reaches its own account; the root user of an organization's
    management account also reaches every account of that organization.
    """
    if not principal.is_authenticated or principal.account_id is None or principal.is_sso:
        return Account.objects.none()  # an SSO user reaches accounts only as a role session
    account = principal.account
    if principal.is_root and account.is_management_account:
        return Account.objects.filter(organization_id=account.organization_id)
    return Account.objects.filter(pk=account.pk)


def account_get(principal: User, account_id: str) -> Account:
    try:
        return reachable_accounts(principal).select_related("organization").get(pk=account_id)
    except (Account.DoesNotExist, ValueError):
        raise Http404 from None


def organization_accounts(principal: User) -> QuerySet[Account]:
    """The accounts listed on the console home page, with their user counts."""
    return (
        reachable_accounts(principal)
        .select_related("organization")
        .annotate(user_count=Count("users", filter=Q(users__kind=User.Kind.IAM)))
        .order_by("created", "id")
    )


def organization_of(principal: User) -> Organization | None:
    if not principal.is_authenticated or principal.account_id is None:
        return None
    return principal.account.organization


def account_users(*, account: Account, search: str = "") -> QuerySet[User]:
    """IAM users of one account (already reached through ``account_get``), by name."""
    users = User.objects.filter(account=account, kind=User.Kind.IAM)
    search = search.strip()
    if search:
        users = users.filter(Q(name__icontains=search) | Q(path__icontains=search))
    return users.annotate(group_count=Count("iam_groups")).order_by(Lower("name"), "pk")


def account_user_get(*, account: Account, user_name: str) -> User:
    user = (
        User.objects.filter(account=account, kind=User.Kind.IAM, name__iexact=user_name)
        .select_related("account")
        .first()
    )
    if user is None:
        raise Http404
    return user


def account_root_user(account: Account) -> User:
    return User.objects.get(account=account, kind=User.Kind.ROOT)


def account_groups(*, account: Account):
    from .models import Group

    return (
        Group.objects.filter(account=account)
        .annotate(member_count=Count("members", distinct=True))
        .order_by(Lower("name"), "pk")
    )


def account_group_get(*, account: Account, group_name: str):
    from .models import Group

    group = Group.objects.filter(account=account, name__iexact=group_name).first()
    if group is None:
        raise Http404
    return group


def account_people(account: Account) -> dict[str, int]:
    """Who can sign in to ``account``'s console: IAM users (with a console password or not)
    and the SSO users assigned to it, directly or through a group (2 queries)."""
    iam = User.objects.filter(account=account, kind=User.Kind.IAM).aggregate(
        iam_users=Count("pk"),
        iam_console=Count("pk", filter=~Q(password__startswith=UNUSABLE_PASSWORD_PREFIX)),
    )
    sso = (
        User.objects.filter(kind=User.Kind.SSO, is_active=True)
        .filter(Q(sso_assignments__account=account) | Q(sso_groups__assignments__account=account))
        .values("pk")
        .distinct()
        .count()
    )
    return {**iam, "sso_users": sso}
