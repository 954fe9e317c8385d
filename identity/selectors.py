"""Reads, always scoped to what the acting principal can reach.

There is no "get by id" here that ignores the principal: an object outside
the principal's reach is indistinguishable from one that does not exist
(``Http404``), so ids of other tenants cannot be probed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection
from django.db.models import Count, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, Lower, RowNumber
from django.http import Http404

from . import ids, rows
from .event_history import EventFilters
from .models import (
    Account,
    AuditEvent,
    CustomerPolicy,
    Group,
    GroupMembership,
    InlinePolicy,
    Organization,
    OrganizationalUnit,
    PolicyAttachment,
    PolicyVersion,
    User,
    UserTag,
)
from .policies import catalog


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
        .annotate(
            user_count=_count_of(User.objects.filter(account=OuterRef("pk"), kind=User.Kind.IAM))
        )
        .order_by("created", "id")
    )


def organization_of(principal: User) -> Organization | None:
    if not principal.is_authenticated or principal.account_id is None:
        return None
    return principal.account.organization


def account_users(*, account: Account, search: str = "") -> QuerySet[User]:
    """IAM users of one account (already reached through ``account_get``), by name, with their
    number of groups.

    The number is a subquery per row, not a ``Count`` over a join: PostgreSQL then computes it
    for the rows of the page only (a page sorted by name walks the name index), and the
    paginator's count is a plain ``COUNT(*)`` of the users (``count()`` drops an unused
    subquery, not a ``GROUP BY``). At 10,000 users (bench/console.py) the list's SQL went from
    about 45 ms to 7 ms by name and 12 ms by another column, 27 ms by groups (every row's count)."""
    users = User.objects.filter(account=account, kind=User.Kind.IAM)
    search = search.strip()
    if search:
        users = users.filter(Q(name__icontains=search) | Q(path__icontains=search))
    memberships = GroupMembership.objects.filter(user=OuterRef("pk"))
    return users.annotate(group_count=_count_of(memberships)).order_by(Lower("name"), "pk")


def _count_of(rows: QuerySet) -> Subquery:
    """The number of ``rows`` (a queryset filtered on an ``OuterRef``) as a subquery per outer
    row: ``COUNT(*)`` without ``GROUP BY``, an index-only scan when an index holds the
    filtered column."""
    return Subquery(
        rows.order_by().values(n=Func(template="COUNT(*)", output_field=IntegerField()))
    )


def account_users_chosen(*, account: Account, unique_ids: list[str]) -> list[User]:
    """The IAM users of ``account`` whose ids were ticked, in name order.

    Any id that is not an IAM user of this account (another tenant's user, the root user, a
    deleted one, garbage) makes the whole choice a 404: a bulk action never acts on part of
    what the person saw and confirmed."""
    wanted = {str(unique_id)[:32] for unique_id in unique_ids}
    users = list(
        User.objects.filter(account=account, kind=User.Kind.IAM, unique_id__in=wanted)
        .select_related("account")
        .order_by(Lower("name"), "pk")
    )
    if not wanted or len(users) != len(wanted):
        raise Http404
    return users


def account_user_get(*, account: Account, user_name: str) -> User:
    user = (
        User.objects.filter(account=account, kind=User.Kind.IAM, name__lower=user_name.lower())
        .select_related("account")
        .first()
    )
    if user is None:
        raise Http404
    return user


def account_root_user(account: Account) -> User:
    return User.objects.get(account=account, kind=User.Kind.ROOT)


def account_groups(*, account: Account):
    return (
        Group.objects.filter(account=account)
        .annotate(member_count=_count_of(GroupMembership.objects.filter(group=OuterRef("pk"))))
        .order_by(Lower("name"), "pk")
    )


def account_group_get(*, account: Account, group_name: str):
    group = Group.objects.filter(account=account, name__lower=group_name.lower()).first()
    if group is None:
        raise Http404
    return group


def account_iam_people(account: Account) -> dict[str, int]:
    """The IAM users of ``account``, and those of them with a console password (1 query).

    The SSO users who may open the account are counted by ``sso.selectors``."""
    return User.objects.filter(account=account, kind=User.Kind.IAM).aggregate(
        iam_users=Count("pk"),
        iam_console=Count("pk", filter=~Q(password__startswith=UNUSABLE_PASSWORD_PREFIX)),
    )


def user_groups(user: User) -> QuerySet:
    return user.iam_groups.order_by("name")


def account_events(account: Account) -> QuerySet[AuditEvent]:
    """The account's trail, newest first."""
    return AuditEvent.objects.filter(recipient_account_id=account.id).order_by(
        "-event_time", "-event_id"
    )


def event_history_accounts(principal: User, account: Account) -> list[Account]:
    """The accounts whose trails the history of ``account`` may show together: the whole
    organization for the management account's root user on the management account's page
    (as an organization trail), otherwise none (the page shows its own account only)."""
    if not (
        principal.is_authenticated
        and principal.is_root
        and principal.account_id == account.pk
        and account.organization.management_account_id == account.pk
    ):
        return []
    return list(reachable_accounts(principal).order_by("created", "id"))


def events_filtered(
    principal: User, account_or_org: Account | Organization, filters: EventFilters
) -> QuerySet[AuditEvent]:
    """The trail of one account, or of every account of an organization, narrowed by
    ``filters``, newest first; only accounts the principal reaches (another tenant's account
    or organization gives no rows, whatever the filters say).

    An organization is reached whole only by its management account's root user
    (``reachable_accounts``); anyone else asking for it gets their own account's events at most.
    """
    reachable = reachable_accounts(principal)
    if isinstance(account_or_org, Organization):
        account_ids = list(
            reachable.filter(organization_id=account_or_org.pk).values_list("id", flat=True)
        )
    else:
        account_ids = list(reachable.filter(pk=account_or_org.pk).values_list("id", flat=True))
    if not account_ids:
        return AuditEvent.objects.none()
    if len(account_ids) == 1:
        events = AuditEvent.objects.filter(recipient_account_id=account_ids[0])
    else:
        events = AuditEvent.objects.filter(recipient_account_id__in=account_ids)
    return filters.apply(events).order_by("-event_time", "-event_id")


def account_event_get(account: Account, event_id: str) -> AuditEvent:
    """One event of ``account``'s trail (reached through ``account_get``): a malformed id or
    another account's event is a 404."""
    try:
        key = uuid.UUID(event_id)
    except (ValueError, TypeError, AttributeError):
        raise Http404 from None
    event = AuditEvent.objects.filter(recipient_account_id=account.id, event_id=key).first()
    if event is None:
        raise Http404
    return event


def account_users_by_name(account: Account, limit: int) -> list[User]:
    """The first ``limit`` IAM users of the account by name (the pickers of the policy pages)."""
    return list(User.objects.filter(account=account, kind=User.Kind.IAM).order_by("name")[:limit])


# --- Policies ------------------------------------------------------------------------------


def customer_policy_get(account: Account, name: str) -> CustomerPolicy:
    policy = CustomerPolicy.objects.filter(account=account, name__lower=name.lower()).first()
    if policy is None:
        raise Http404
    return policy


def customer_policies(account: Account) -> QuerySet[CustomerPolicy]:
    """The account's customer managed policies by name, with their number of versions."""
    return (
        CustomerPolicy.objects.filter(account=account)
        .annotate(version_count=Count("versions", distinct=True))
        .order_by("name")
    )


def customer_policies_listed(account: Account) -> QuerySet[CustomerPolicy]:
    """The console's policy list: with the number of versions and of attachments (users and
    groups), each a subquery, so any column sorts in the database."""
    versions = (
        PolicyVersion.objects.filter(policy=OuterRef("pk"))
        .order_by()
        .values("policy")
        .annotate(n=Count("pk"))
        .values("n")
    )
    attachments = (
        PolicyAttachment.objects.filter(account=account, policy_arn=OuterRef("arn"))
        .order_by()
        .values("policy_arn")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return CustomerPolicy.objects.filter(account=account).annotate(
        version_count=Coalesce(Subquery(versions), 0),
        attachment_count=Coalesce(Subquery(attachments), 0),
    )


def customer_policy_names(account: Account) -> dict[str, str]:
    """ARN to name, for the account's customer managed policies."""
    return dict(CustomerPolicy.objects.filter(account=account).values_list("arn", "name"))


def customer_policy_choices(account: Account) -> list[tuple[str, str]]:
    """(ARN, name) of the account's customer managed policies, by name."""
    return list(
        CustomerPolicy.objects.filter(account=account).order_by("name").values_list("arn", "name")
    )


def policy_versions(policy: CustomerPolicy) -> list:
    return list(policy.versions.order_by("-created", "-pk"))


def policy_attachments(policy: CustomerPolicy) -> QuerySet[PolicyAttachment]:
    """Where a customer policy is attached, with the user or group."""
    return PolicyAttachment.objects.filter(policy_arn=policy.arn).select_related("user", "group")


def attach_targets(account: Account, limit: int) -> tuple[list[User], list[Group]]:
    """The users and groups a policy may be attached to from its page, by name (a user with
    its permissions boundary: attaching asks about it)."""
    users = list(
        User.objects.filter(account=account, kind=User.Kind.IAM)
        .only("name", "arn", "account_id", "permissions_boundary")
        .order_by("name")[:limit]
    )
    groups = list(
        Group.objects.filter(account=account)
        .only("name", "arn", "account_id")
        .order_by("name")[:limit]
    )
    return users, groups


def boundary_users(account: Account, policy_arn: str, limit: int) -> list[User]:
    """The first ``limit`` IAM users of ``account`` whose permissions boundary is ``policy_arn``,
    by name."""
    return list(
        User.objects.filter(account=account, kind=User.Kind.IAM, permissions_boundary=policy_arn)
        .only("name", "arn", "account_id", "permissions_boundary")
        .order_by("name")[:limit]
    )


def boundary_use_counts(account: Account) -> dict[str, int]:
    """Policy ARN to the number of ``account``'s users whose permissions boundary it is."""
    return dict(
        User.objects.filter(account=account, kind=User.Kind.IAM)
        .exclude(permissions_boundary="")
        .order_by()
        .values_list("permissions_boundary")
        .annotate(n=Count("pk"))
        .values_list("permissions_boundary", "n")
    )


def attachments_of(*, user: User | None = None, group: Group | None = None) -> list:
    """The managed policies attached to a user or a group, by ARN."""
    owner = {"user": user} if user is not None else {"group": group}
    return list(PolicyAttachment.objects.filter(**owner).order_by("policy_arn"))


def inline_policies_of(*, user: User | None = None, group: Group | None = None) -> QuerySet:
    owner = {"user": user} if user is not None else {"group": group}
    return InlinePolicy.objects.filter(**owner).order_by("name")


def inline_policy_get(name: str, *, user: User | None = None, group: Group | None = None):
    owner = {"user": user} if user is not None else {"group": group}
    inline = InlinePolicy.objects.filter(name__lower=name.lower(), **owner).first()
    if inline is None:
        raise Http404
    return inline


def group_members(group: Group) -> QuerySet[User]:
    return group.members.order_by("name")


# --- The organization ----------------------------------------------------------------------


def organization_accounts_by_age(organization: Organization) -> list[Account]:
    """Every account of the organization, oldest first."""
    return list(organization.accounts.order_by("created", "id"))


def organization_scps(organization: Organization) -> dict:
    """The organization's own SCPs by ARN, by name."""
    return {
        scp.arn: scp for scp in organization.scps.select_related("organization").order_by("name")
    }


def organization_scp_targets(
    organization: Organization, *, account_ids=None
) -> dict[str, list[str]]:
    """The SCP ARNs attached to each target, by the target's id: the root's (``r-…``), an OU's
    or an account's; ``account_ids`` limits the accounts read (the root and every OU are read
    whatever it says). One query."""
    attachments = organization.scp_attachments.all()
    if account_ids is not None:
        attachments = attachments.filter(Q(account__isnull=True) | Q(account_id__in=account_ids))
    root_id = ids.organization_root_id(organization.pk)
    attached: dict[str, list[str]] = {}
    for attachment in attachments.order_by("pk"):
        target = attachment.account_id or attachment.organizational_unit_id or root_id
        attached.setdefault(target, []).append(attachment.policy_arn)
    return attached


# --- Organizational units --------------------------------------------------------------------
# Only the management account's principals reach an organization's structure (the policy
# engine then decides what each may do): for anyone else every OU, and every account as an
# organization's member, is a 404, as one of another organization is.


def _managed_organization(principal: User) -> Organization:
    organization = organization_of(principal)
    if (
        organization is None
        or getattr(principal, "is_sso", False)
        or principal.account_id != organization.management_account_id
    ):
        raise Http404
    return organization


def organizational_unit_get(principal: User, ou_id: str) -> OrganizationalUnit:
    """An OU of the organization the principal manages; 404 otherwise."""
    organization = _managed_organization(principal)
    try:
        return OrganizationalUnit.objects.select_related("organization").get(
            organization=organization, pk=ou_id
        )
    except OrganizationalUnit.DoesNotExist:
        raise Http404 from None


def organization_parent_get(principal: User, parent_id: str) -> OrganizationalUnit | None:
    """A parent of the organization's structure by its id: None for the root (``r-…``), else
    the OU (``ou-…``); 404 for anything else."""
    organization = _managed_organization(principal)
    if parent_id == ids.organization_root_id(organization.pk):
        return None
    return organizational_unit_get(principal, parent_id)


def organization_member_get(principal: User, account_id: str) -> Account:
    """An account of the organization the principal manages (the management account too), as
    the organization's structure sees it; 404 otherwise."""
    organization = _managed_organization(principal)
    try:
        return Account.objects.select_related("organization").get(
            organization=organization, pk=account_id
        )
    except (Account.DoesNotExist, ValueError):
        raise Http404 from None


def organizational_units(organization: Organization) -> list[OrganizationalUnit]:
    """Every OU of the organization, by name (one query: AWS's quota is 1,000 OUs)."""
    return list(
        OrganizationalUnit.objects.filter(organization=organization)
        .select_related("organization")
        .order_by(Lower("name"), "id")
    )


# The OU and every OU above it, nearest first. The walk is bounded (an OU cannot move, so the
# structure has no loop; the bound makes sure a loop written by hand would end it).
_OU_CHAIN = """
WITH RECURSIVE chain(id, parent_id, depth) AS (
    SELECT ou."id", ou."parent_id", 1 FROM "identity_organizationalunit" ou WHERE ou."id" = %s
    UNION ALL
    SELECT ou."id", ou."parent_id", chain.depth + 1
      FROM "identity_organizationalunit" ou JOIN chain ON ou."id" = chain.parent_id
     WHERE chain.depth < 16
)
SELECT id FROM chain ORDER BY depth
"""


def _ou_chain_ids(ou_id: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(_OU_CHAIN, [ou_id])
        return [row[0] for row in cursor.fetchall()]


def organizational_unit_chain(ou: OrganizationalUnit) -> list[OrganizationalUnit]:
    """The OUs from the top (under the root) down to ``ou``, ``ou`` last: two queries."""
    return _ou_chain(ou.pk)


def account_organizational_units(account: Account) -> list[OrganizationalUnit]:
    """The OUs from the top down to ``account``'s own: none, and no query, for an account
    directly under the root."""
    if account.organizational_unit_id is None:
        return []
    return _ou_chain(account.organizational_unit_id)


def _ou_chain(ou_id: str) -> list[OrganizationalUnit]:
    chain = _ou_chain_ids(ou_id)
    found = {
        unit.pk: unit
        for unit in OrganizationalUnit.objects.filter(pk__in=chain).select_related("organization")
    }
    return [found[pk] for pk in reversed(chain) if pk in found]


def organizational_unit_depth(ou: OrganizationalUnit) -> int:
    """How many OUs deep ``ou`` is: 1 directly under the root (one query)."""
    return len(_ou_chain_ids(ou.pk))


def organizational_unit_ancestor_ids(account: Account) -> set[str]:
    """The ids of ``account``'s OU and of every OU above it (no query for an account directly
    under the root)."""
    if account.organizational_unit_id is None:
        return set()
    return set(_ou_chain_ids(account.organizational_unit_id))


def organizational_unit_paths(units: list[OrganizationalUnit]) -> dict[str, str]:
    """Each OU's path from the root, ``Engineering / Platform``, from the organization's OUs."""
    by_id = {unit.pk: unit for unit in units}
    paths: dict[str, str] = {}

    def path(unit: OrganizationalUnit) -> str:
        if unit.pk not in paths:
            parent = by_id.get(unit.parent_id)
            paths[unit.pk] = f"{path(parent)} / {unit.name}" if parent else unit.name
        return paths[unit.pk]

    for unit in units:
        path(unit)
    return paths


def organizational_units_in_tree_order(units: list[OrganizationalUnit]) -> list[tuple]:
    """``(unit, depth)`` for every OU, each under its parent (siblings by name), depth 1 under
    the root."""
    children: dict[str | None, list[OrganizationalUnit]] = {}
    for unit in units:  # already by name
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[tuple] = []

    def walk(parent_id, depth):
        for unit in children.get(parent_id, ()):
            ordered.append((unit, depth))
            walk(unit.pk, depth + 1)

    walk(None, 1)
    return ordered


def organization_accounts_governed(
    organization: Organization, units: list[OrganizationalUnit], unit_id: str | None
) -> int:
    """How many accounts an SCP on the root (``unit_id`` None) or on an OU reaches: every
    account below it, but the management account, whom SCPs never restrict. One query."""
    accounts = Account.objects.filter(organization=organization).exclude(
        pk=organization.management_account_id
    )
    if unit_id is None:
        return accounts.count()
    below, frontier = {unit_id}, {unit_id}
    while frontier:
        frontier = {unit.pk for unit in units if unit.parent_id in frontier} - below
        below |= frontier
    return accounts.filter(organizational_unit_id__in=below).count()


@dataclass
class StructureNode:
    """The root or an OU in the organization's tree, with what is directly under it."""

    id: str  # r-… or ou-…
    name: str
    unit: OrganizationalUnit | None  # None: the root
    depth: int  # 0: the root
    children: list[StructureNode] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)  # the first ones, by name
    account_count: int = 0  # every account directly under it
    scps: list[str] = field(default_factory=list)  # the ARNs attached (none: FullAWSAccess)

    @property
    def more_accounts(self) -> int:
        return self.account_count - len(self.accounts)


def organization_structure(
    organization: Organization, *, accounts_per_parent: int
) -> tuple[StructureNode, list[StructureNode]]:
    """The organization's tree: the root node, and every node in tree order (the root first).

    Each parent lists at most ``accounts_per_parent`` accounts (by name) and how many it has;
    every target shown has its SCPs. Three queries whatever the size: the OUs, the accounts
    (numbered per parent by a window, so only those shown come back), their SCPs.
    """
    units = organizational_units(organization)
    root = StructureNode(ids.organization_root_id(organization.pk), "Root", None, 0)
    nodes = {None: root}
    ordered = [root]
    for unit, depth in organizational_units_in_tree_order(units):
        node = StructureNode(unit.pk, unit.name, unit, depth)
        nodes[unit.pk] = node
        nodes[unit.parent_id].children.append(node)
        ordered.append(node)
    accounts = list(
        Account.objects.filter(organization=organization)
        .select_related("organization")
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("organizational_unit_id")],
                order_by=[Lower("name"), "id"],
            ),
            siblings=Window(Count("id"), partition_by=[F("organizational_unit_id")]),
        )
        .filter(position__lte=accounts_per_parent)
        .order_by(Lower("name"), "id")
    )
    for account in accounts:
        node = nodes.get(account.organizational_unit_id, root)
        node.accounts.append(account)
        node.account_count = account.siblings
    attached = organization_scp_targets(organization, account_ids=[a.pk for a in accounts])
    for node in ordered:
        node.scps = attached.get(node.id, [])
    for account in accounts:
        account.scps = attached.get(account.pk, [])
    return root, ordered


def organization_accounts_listed(organization: Organization) -> QuerySet[Account]:
    """Every account of the organization, by name (a list's rows)."""
    return (
        Account.objects.filter(organization=organization)
        .select_related("organization")
        .order_by(Lower("name"), "id")
    )


def organization_scp_get(principal: User, policy_id: str):
    """An SCP the organization can attach, by its id: AWS's (``catalog.ManagedPolicy``) or
    the organization's own (``ServiceControlPolicy``); 404 for any other, and for anyone
    outside the management account."""
    organization = _managed_organization(principal)
    for policy in catalog.aws_scps():
        if policy.arn.rsplit("/", 1)[-1] == policy_id:
            return policy
    scp = organization.scps.filter(policy_id=policy_id).select_related("organization").first()
    if scp is None:
        raise Http404
    return scp


def organization_scp_accounts(organization: Organization, *, policy_arn: str) -> QuerySet[Account]:
    """The accounts ``policy_arn`` is attached to (directly), by name."""
    return organization_accounts_listed(organization).filter(scp_attachments__policy_arn=policy_arn)


def organization_parent_accounts(
    organization: Organization, parent: OrganizationalUnit | None
) -> QuerySet[Account]:
    """The accounts directly under ``parent`` (None: the root), by name."""
    return (
        Account.objects.filter(organization=organization, organizational_unit=parent)
        .select_related("organization")
        .order_by(Lower("name"), "id")
    )


# --- The IAM API's hot path (identity.rows: hand-written, measured in bench/api.py) -------


def iam_user_by_name(account: Account, name: str) -> User | None:
    """The IAM user ``name`` of ``account``, whatever the case of ``name``, or None: one query,
    served by the ``lower(name)`` unique index; its ``account`` is the one given."""
    return iam_user_with_tags(account, name, tags=False)[0]


def iam_user_with_tags(
    account: Account, name: str, *, tags: bool = True
) -> tuple[User | None, list[tuple[str, str]]]:
    """``iam_user_by_name`` and, with ``tags``, the user's tags (key, value), oldest first, in
    the same query."""
    where = (
        '"identity_user"."account_id" = %s AND "identity_user"."kind" = %s '
        'AND LOWER("identity_user"."name") = %s'
    )
    params = [account.pk, User.Kind.IAM, name.lower()]
    if not tags:
        found = rows.select_with(User, where, params, limit=1)
    else:
        found = rows.select_with(
            User,
            where,
            params,
            extra='"identity_usertag"."key", "identity_usertag"."value"',
            join='LEFT JOIN "identity_usertag" ON "identity_usertag"."user_id" = "identity_user"."id"',
            order_by='"identity_usertag"."id"',
        )
    if not found:
        return None, []
    user = found[0][0]
    user.account = account
    if not tags:
        return user, []
    return user, [(key, value) for _user, (key, value) in found if key is not None]


class UserListing(NamedTuple):
    """An IAM user as a list of users shows it: what ``ListUsers`` writes, no model instance
    (a page of 100 of those cost more than the query)."""

    pk: int
    name: str
    path: str
    arn: str
    unique_id: str
    created: datetime
    password_last_used: datetime | None
    account_id: str

    is_root = False  # a listing holds IAM users only


_LISTING_FIELDS = (
    "id",
    "name",
    "path",
    "arn",
    "unique_id",
    "created",
    "password_last_used",
    "account_id",
)


def iam_users_page(
    account: Account, *, path_prefix: str = "", after: tuple[str, int] | None, limit: int
) -> list[UserListing]:
    """``account``'s IAM users whose path starts with ``path_prefix``, by name then id, after
    ``(name, id)``: at most ``limit``, in one query (ListUsers)."""
    where = '"account_id" = %s AND "kind" = %s'
    params: list = [account.pk, User.Kind.IAM]
    if path_prefix:
        where += " AND \"path\" LIKE %s ESCAPE '\\'"
        escaped = path_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(escaped + "%")
    if after is not None:
        where += ' AND ("name" > %s OR ("name" = %s AND "id" > %s))'
        params += [after[0], after[0], after[1]]
    found = rows.values(User, _LISTING_FIELDS, where, params, order_by='"name", "id"', limit=limit)
    return [UserListing(*values) for values in found]


def user_now(user: User) -> User:
    """``user`` read again from the database, with the same account object (``user`` itself if
    its row went in the meantime)."""
    found = rows.select(User, '"id" = %s', [user.pk], limit=1)
    if not found:
        return user
    found[0].account = user.account
    return found[0]


def user_tags(user: User) -> list[tuple[str, str]]:
    """``user``'s tags (key, value), oldest first (one query)."""
    return [
        (tag.key, tag.value)
        for tag in rows.select(UserTag, '"user_id" = %s', [user.pk], order_by='"id"')
    ]
