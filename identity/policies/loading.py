"""What the engine is given: a principal's policies and a console request's condition keys.

The engine (``identity.policy``) knows nothing of Django; this module reads a principal's
identity policies and its account's SCP chain (a constant handful of queries, once per
request) and the request's global condition keys. The simulator and the effective
permissions are here too: each is this loading followed by engine calls, nothing stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connection
from django.db.models import F
from django.utils import timezone

from .. import arns, authn_state
from ..models import (
    Account,
    PolicyVersion,
    ServiceControlPolicy,
    User,
)
from ..policy import NamedPolicy, PolicyError, context_of, evaluate, parse
from . import catalog


@dataclass(frozen=True)
class PrincipalPolicies:
    identity: tuple[NamedPolicy, ...]
    scp_levels: tuple[tuple[str, tuple[NamedPolicy, ...]], ...]
    # The permissions boundary: None when there is none, an empty tuple when the one named
    # cannot be read (it then allows nothing: fail closed).
    boundary: tuple[NamedPolicy, ...] | None = None


# What every IAM user may do on themselves, whatever is attached: read their own user and list
# their own MFA devices, so that their *Security credentials* page opens (AWS shows a user's own
# page to a user who holds nothing but IAMUserChangePassword). It is an identity-policy Allow like
# any other: an explicit Deny or an SCP still closes it, and the simulator and the effective
# permissions show it by name. docs/permissions.md lists it.
SELF_SERVICE_BASELINE_NAME = "TobiraSelfServiceBaseline (built in)"
SELF_SERVICE_BASELINE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadOwnSecurityCredentials",
                "Effect": "Allow",
                "Action": ["iam:GetUser", "iam:ListMFADevices"],
                # User names are unique in an account whatever the path, so the second
                # pattern reaches only this user when it has a path.
                "Resource": [
                    "arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}",
                    "arn:aws:iam::${aws:PrincipalAccount}:user/*/${aws:username}",
                ],
            }
        ],
    }
)


def named_policy(name: str, text: str, kind: str = "identity") -> NamedPolicy | None:
    """A stored document as the engine takes it, under ``name``; None if it does not parse."""
    try:
        return NamedPolicy(name, parse(text, scp=kind == "scp"), kind)
    except PolicyError:
        return None  # stored documents were validated; an unreadable one grants nothing


def principal_policies(user: User) -> PrincipalPolicies:
    """Everything that applies to ``user``: identity policies, the SCP chain and the
    permissions boundary (5 queries).

    The boundary's ARN comes with the user's row; an AWS managed boundary is in the catalog,
    a customer managed one's document comes in the query that reads the user's policies. Only
    IAM users have one: a root user, an SSO user and a role session from the access portal
    (``sso.sessions.AssumedRole``, which brings its own policies: the permission set's, in the
    account the session is in) have none.
    """
    if getattr(user, "kind", None) == "role":
        return PrincipalPolicies(user.identity_policies(), scp_levels(user.account))
    identity: list[NamedPolicy] = []
    if user.kind == User.Kind.SSO:  # outside a role session an SSO user holds no permissions
        return PrincipalPolicies((), scp_levels(user.account))
    boundary = None
    if not user.is_root:
        identity.append(named_policy(SELF_SERVICE_BASELINE_NAME, SELF_SERVICE_BASELINE))
        attached = set()
        boundary_arn = user.permissions_boundary
        boundary_managed = catalog.aws_managed(boundary_arn) if boundary_arn else None
        if boundary_managed is not None:
            named = named_policy(boundary_managed.name, boundary_managed.document, "boundary")
            boundary = (named,) if named else ()
        elif boundary_arn:
            boundary = ()  # unless its document is found and read below
        customer_boundary = boundary_arn if boundary == () else None
        for kind, name, document, group_name, arn in _user_and_group_policies(
            user.pk, customer_boundary, user.account_id
        ):
            if kind == "attached":
                attached.add(arn)
                continue
            if kind == "boundary":
                named = named_policy(name, document, "boundary")
                boundary = (named,) if named else ()
                continue
            owner = f"group {group_name}" if group_name is not None else f"user {user.name}"
            named = named_policy(f"{name} (inline, {owner})", document)
            if named:
                identity.append(named)
        for arn in sorted(attached):
            managed = catalog.aws_managed(arn)
            if managed is not None:
                named = named_policy(managed.name, managed.document)
                if named:
                    identity.append(named)
        customer = {arn for arn in attached if catalog.aws_managed(arn) is None}
        if customer:
            for version in PolicyVersion.objects.filter(
                policy__arn__in=customer,
                policy__account_id=user.account_id,
                version_id=F("policy__default_version"),
            ).select_related("policy"):
                named = named_policy(version.policy.name, version.document)
                if named:
                    identity.append(named)
    return PrincipalPolicies(tuple(identity), scp_levels(user.account), boundary)


# The user's inline policies and attached policy ARNs, their own and their groups', in one
# round trip: asked on every console page (docs/performance.md). Hand-written, as identity.rows
# is: the ORM's two OR-over-join queries cost more to build than to run. The values (the user
# id; the boundary's ARN and the account) are parameters.
_USER_AND_GROUP_POLICIES = """
SELECT 'inline', p."name", p."document", g."name", NULL
  FROM "identity_inlinepolicy" p LEFT OUTER JOIN "identity_group" g ON g."id" = p."group_id"
 WHERE p."user_id" = %s OR p."group_id" IN (
       SELECT m."group_id" FROM "identity_groupmembership" m WHERE m."user_id" = %s)
UNION ALL
SELECT 'attached', NULL, NULL, NULL, a."policy_arn"
  FROM "identity_policyattachment" a
 WHERE a."user_id" = %s OR a."group_id" IN (
       SELECT m."group_id" FROM "identity_groupmembership" m WHERE m."user_id" = %s)
"""
# A customer managed permissions boundary: its default version, in the same round trip (the
# account's own policies only: a row naming another account's policy finds nothing).
_AND_CUSTOMER_BOUNDARY = """
UNION ALL
SELECT 'boundary', c."name", v."document", NULL, c."arn"
  FROM "identity_customerpolicy" c JOIN "identity_policyversion" v
       ON v."policy_id" = c."id" AND v."version_id" = c."default_version"
 WHERE c."arn" = %s AND c."account_id" = %s
"""


def _user_and_group_policies(
    user_id: int, customer_boundary: str | None = None, account_id: str | None = None
) -> list[tuple]:
    with connection.cursor() as cursor:
        if customer_boundary:
            cursor.execute(
                _USER_AND_GROUP_POLICIES + _AND_CUSTOMER_BOUNDARY,
                [user_id] * 4 + [customer_boundary, account_id],
            )
        else:
            cursor.execute(_USER_AND_GROUP_POLICIES, [user_id] * 4)
        return cursor.fetchall()


# The SCP chain of a member account in one round trip: its OU and every OU above it (a
# recursive walk up the parents, at most five), and the SCPs attached to the root, to those OUs
# and to the account. The same query whatever the depth; hand-written, as the query above is.
# Rows: ('ou', ou id, name, depth from the account (1: its own OU), NULL, NULL) and
# ('scp', ou id or NULL, NULL, attachment id, account id or NULL, policy ARN).
_SCP_CHAIN = """
WITH RECURSIVE chain(id, name, parent_id, depth) AS (
    SELECT ou."id", ou."name", ou."parent_id", 1
      FROM "identity_organizationalunit" ou
     WHERE ou."id" = %s AND ou."organization_id" = %s
    UNION ALL
    SELECT ou."id", ou."name", ou."parent_id", chain.depth + 1
      FROM "identity_organizationalunit" ou JOIN chain ON ou."id" = chain.parent_id
     WHERE chain.depth < 16
)
SELECT 'ou', chain.id, chain.name, chain.depth, NULL, NULL FROM chain
UNION ALL
SELECT 'scp', a."organizational_unit_id", NULL, a."id", a."account_id", a."policy_arn"
  FROM "identity_scpattachment" a
 WHERE a."organization_id" = %s
   AND (a."account_id" = %s
        OR a."organizational_unit_id" IN (SELECT chain.id FROM chain)
        OR (a."account_id" IS NULL AND a."organizational_unit_id" IS NULL))
"""


def ou_level_name(name: str, ou_id: str) -> str:
    """An OU's level as explanations name it: ``OU Engineering (ou-ab12-cd34ef56)``."""
    return f"OU {name} ({ou_id})"


def scp_levels(account: Account) -> tuple[tuple[str, tuple[NamedPolicy, ...]], ...]:
    """The SCP chain of ``account``, from the top: the organization root, each OU from the one
    under the root down to the account's own, then the account. None for the management account.

    Two queries at most, whatever the depth: the chain with its attachments, then the
    organization's own SCPs among them (none when only AWS's are attached). A level with
    nothing attached has FullAWSAccess, as AWS attaches it to every root, OU and account
    (``scp_detach`` keeps at least one SCP on every target that has any).
    """
    organization = account.organization
    if organization.management_account_id == account.pk:
        return ()
    with connection.cursor() as cursor:
        cursor.execute(
            _SCP_CHAIN,
            [account.organizational_unit_id, organization.pk, organization.pk, account.pk],
        )
        rows = cursor.fetchall()
    chain = sorted((row for row in rows if row[0] == "ou"), key=lambda row: -row[3])
    attachments = sorted((row for row in rows if row[0] == "scp"), key=lambda row: row[3])
    attached: dict[str | None, list[str]] = {}  # by OU id; "" the account, None the root
    for _kind, ou_id, _name, _position, account_id, arn in attachments:
        attached.setdefault("" if account_id else ou_id, []).append(arn)
    custom_ids = {
        arn.rsplit("/", 1)[-1]
        for _kind, _ou, _name, _position, _account, arn in attachments
        if catalog.aws_scp(arn) is None
    }
    custom = (
        {
            scp.arn: scp
            for scp in ServiceControlPolicy.objects.filter(
                organization=organization, policy_id__in=custom_ids
            ).select_related("organization")
        }
        if custom_ids
        else {}
    )
    targets = [
        ("organization root", None),
        *((ou_level_name(name, ou_id), ou_id) for _kind, ou_id, name, *_rest in chain),
        ("account", ""),
    ]
    levels = []
    for level, target in targets:
        policies = []
        for arn in attached.get(target) or [catalog.FULL_AWS_ACCESS]:
            managed = catalog.aws_scp(arn)
            if managed is not None:
                named = named_policy(managed.name, managed.document, "scp")
            elif arn in custom:
                named = named_policy(custom[arn].name, custom[arn].document, "scp")
            else:
                named = None
            if named:
                policies.append(NamedPolicy(named.name, named.policy, "scp", level))
        levels.append((level, tuple(policies)))
    return tuple(levels)


def _principal_values(user: User, *, mfa: bool) -> dict[str, object]:
    return {
        "aws:username": user.name,
        "aws:userid": user.unique_id,
        "aws:PrincipalAccount": user.account_id,
        "aws:PrincipalArn": user.arn,
        "aws:MultiFactorAuthPresent": mfa,
    }


def _simulation_values(user: User, *, mfa: bool, context: dict) -> dict[str, object]:
    values = {**_principal_values(user, mfa=mfa), **context}
    if mfa:
        values.setdefault("aws:MultiFactorAuthAge", "60")
    return values


def simulate(
    user: User,
    *,
    actions,
    resource: str,
    mfa: bool,
    context: dict,
    loaded: PrincipalPolicies | None = None,
) -> list[tuple]:
    """The policy simulator: each action's decision for ``user`` on ``resource``, signed in
    with MFA or not, with the other ``context`` keys: ``[(action, decision), ...]``.
    ``loaded``: the user's policies, when the caller loaded them already."""
    loaded = loaded or principal_policies(user)
    values = _simulation_values(user, mfa=mfa, context=context)
    return [
        (
            action,
            evaluate(
                action=action,
                resource=resource,
                context=context_of(values),
                identity_policies=loaded.identity,
                scp_levels=loaded.scp_levels,
                boundary=loaded.boundary,
            ),
        )
        for action in actions
    ]


_ANYTHING = (
    NamedPolicy(
        "(anything)",
        parse(
            '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", '
            '"Resource": "*"}}'
        ),
    ),
)


def boundary_allows(
    user: User, loaded: PrincipalPolicies, *, actions, resource: str, mfa: bool, context: dict
) -> dict[str, bool] | None:
    """Whether ``user``'s permissions boundary alone lets each action through (an Allow that
    matches and no Deny), whatever the other policies say: AWS's
    ``PermissionsBoundaryDecisionDetail``. None when the user has no boundary."""
    if loaded.boundary is None:
        return None
    return _alone(user, actions, resource, mfa, context, boundary=loaded.boundary)


def organizations_allow(
    user: User, loaded: PrincipalPolicies, *, actions, resource: str, mfa: bool, context: dict
) -> dict[str, bool]:
    """Whether the SCPs of every level above ``user``'s account alone let each action through,
    whatever the other policies say: AWS's ``OrganizationsDecisionDetail`` (always allowed in
    the management account, which SCPs do not reach)."""
    return _alone(user, actions, resource, mfa, context, scp_levels=loaded.scp_levels)


def _alone(user: User, actions, resource: str, mfa: bool, context: dict, **stage) -> dict:
    """Each action's answer from one stage (``boundary=`` or ``scp_levels=``) alone: the
    identity policies allow anything."""
    values = _simulation_values(user, mfa=mfa, context=context)
    return {
        action: evaluate(
            action=action,
            resource=resource,
            context=context_of(values),
            identity_policies=_ANYTHING,
            **stage,
        ).allowed
        for action in actions
    }


def effective_permissions(user: User, actions) -> list[dict]:
    """What ``user`` may do, without and with MFA: for each ``(action, resource kind)`` of
    ``actions`` a row with the action, the resource and both decisions."""
    loaded = principal_policies(user)
    resources = {
        "user": user.arn,
        "users": arns.user(user.account_id, "/", "*"),
        "policies": arns.policy(user.account_id, "/", "*"),
        "trail": arns.trail(user.account_id, "*"),
    }
    rows = []
    for action, kind in actions:
        resource = resources[kind]
        row = {"action": action, "resource": resource}
        for mfa in (False, True):
            row["mfa" if mfa else "no_mfa"] = evaluate(
                action=action,
                resource=resource,
                context=context_of(_principal_values(user, mfa=mfa)),
                identity_policies=loaded.identity,
                scp_levels=loaded.scp_levels,
                boundary=loaded.boundary,
            )
        rows.append(row)
    return rows


def request_context(request, user: User) -> dict[str, object]:
    """The global condition keys of a console request."""
    now = timezone.now()
    mfa_age = authn_state.mfa_age(request)
    from ..requestinfo import client_ip

    context: dict[str, object] = {
        "aws:MultiFactorAuthPresent": mfa_age is not None,
        "aws:PrincipalAccount": user.account_id,
        "aws:PrincipalArn": user.arn,
        "aws:userid": user.unique_id if not user.is_root else user.account_id,
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": int(now.timestamp()),
        "aws:SecureTransport": request.is_secure(),
        "aws:SourceIp": client_ip(request),
        "aws:PrincipalType": "Account" if user.is_root else "User",
    }
    if user.kind == "role":  # as AWS: an assumed role has no aws:username
        context["aws:PrincipalType"] = "AssumedRole"
    elif not user.is_root:
        context["aws:username"] = user.name
    if mfa_age is not None:
        context["aws:MultiFactorAuthAge"] = mfa_age
    return context
