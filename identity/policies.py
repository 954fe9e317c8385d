"""Policies as data: AWS managed ones from a file, customer managed, inline, SCPs; and changes to them.

The engine (``identity.policy``) knows nothing of Django; this module loads a
principal's policies (a constant handful of queries, once per request) and
holds the services that change policies, each atomic and audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, authn_state, ids
from .audit_events import Event
from .models import (
    Account,
    CustomerPolicy,
    Group,
    InlinePolicy,
    Organization,
    PolicyAttachment,
    PolicyVersion,
    SCPAttachment,
    ServiceControlPolicy,
    User,
)
from .policy import NamedPolicy, PolicyError, context_of, evaluate, parse, size_without_whitespace

MAX_VERSIONS = 5
MAX_MANAGED_SIZE = 6144  # characters without whitespace, as AWS
MAX_USER_INLINE_SIZE = 2048  # all of a user's inline policies together
MAX_GROUP_INLINE_SIZE = 5120
MAX_SCP_SIZE = 5120
MAX_ATTACHED = 10  # managed policies per user or group (AWS's default quota)
FULL_AWS_ACCESS = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"


def organization_root_arn(organization: Organization) -> str:
    """The ARN of the organization's root (the SCP target above every account)."""
    return (
        f"arn:aws:organizations::{organization.management_account_id}:root/"
        f"{organization.id}/r-{organization.id[2:6]}"
    )


def organization_account_arn(organization: Organization, account: Account | str) -> str:
    """The account's ARN in its organization; ``account`` may be the account or its id."""
    account_id = account if isinstance(account, str) else account.id
    return (
        f"arn:aws:organizations::{organization.management_account_id}:account/"
        f"{organization.id}/{account_id}"
    )


@dataclass(frozen=True)
class ManagedPolicy:
    name: str
    arn: str
    description: str
    document: str  # JSON text, pretty-printed

    @property
    def is_aws(self) -> bool:
        return True


@cache
def _catalog() -> dict[str, dict[str, ManagedPolicy]]:
    data = json.loads(
        (Path(__file__).parent / "policy_data" / "aws_managed.json").read_text(encoding="utf-8")
    )
    return {
        kind: {
            item["arn"]: ManagedPolicy(
                item["name"],
                item["arn"],
                item["description"],
                json.dumps(item["document"], indent=2),
            )
            for item in data[kind]
        }
        for kind in ("identity", "scp")
    }


def aws_managed_policies() -> list[ManagedPolicy]:
    return list(_catalog()["identity"].values())


def aws_managed(arn: str) -> ManagedPolicy | None:
    return _catalog()["identity"].get(arn)


def aws_scps() -> list[ManagedPolicy]:
    return list(_catalog()["scp"].values())


# --- Validation ------------------------------------------------------------------------


def validate_document(text: str, *, limit: int, scp: bool = False) -> None:
    """A ``ValidationError`` on the ``document`` field: the size first, then the element at fault.

    Validation does not keep what it parsed: only stored documents are cached.
    """
    size = size_without_whitespace(text)
    if size <= limit:
        try:
            parse(text, scp=scp, remember=False)
        except PolicyError as error:
            raise ValidationError(
                {"document": ValidationError(str(error), code="invalid")}
            ) from None
    else:
        raise ValidationError(
            {
                "document": ValidationError(
                    _(
                        "The policy has %(size)d characters without whitespace; the limit is %(limit)d."
                    )
                    % {"size": size, "limit": limit},
                    code="too_large",
                )
            }
        )


# --- A principal's policies -------------------------------------------------------------


@dataclass(frozen=True)
class PrincipalPolicies:
    identity: tuple[NamedPolicy, ...]
    scp_levels: tuple[tuple[str, tuple[NamedPolicy, ...]], ...]


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


def _named(name: str, text: str, kind: str = "identity") -> NamedPolicy | None:
    try:
        return NamedPolicy(name, parse(text, scp=kind == "scp"), kind)
    except PolicyError:
        return None  # stored documents were validated; an unreadable one grants nothing


def principal_policies(user: User) -> PrincipalPolicies:
    """Everything that applies to ``user``: identity policies and the SCP chain (5 queries).

    A role session from the access portal (``sso.sessions.AssumedRole``) brings its own:
    the permission set's policies, in the account the session is in.
    """
    if getattr(user, "kind", None) == "role":
        return PrincipalPolicies(user.identity_policies(), scp_levels(user.account))
    identity: list[NamedPolicy] = []
    if user.kind == User.Kind.SSO:  # outside a role session an SSO user holds no permissions
        return PrincipalPolicies((), scp_levels(user.account))
    if not user.is_root:
        identity.append(_named(SELF_SERVICE_BASELINE_NAME, SELF_SERVICE_BASELINE))
        for inline in InlinePolicy.objects.filter(
            Q(user=user) | Q(group__members=user)
        ).select_related("group"):
            owner = f"group {inline.group.name}" if inline.group_id else f"user {user.name}"
            named = _named(f"{inline.name} (inline, {owner})", inline.document)
            if named:
                identity.append(named)
        arns = set(
            PolicyAttachment.objects.filter(Q(user=user) | Q(group__members=user)).values_list(
                "policy_arn", flat=True
            )
        )
        for arn in sorted(arns):
            managed = aws_managed(arn)
            if managed is not None:
                named = _named(managed.name, managed.document)
                if named:
                    identity.append(named)
        customer = arns - set(_catalog()["identity"])
        if customer:
            for version in PolicyVersion.objects.filter(
                policy__arn__in=customer,
                policy__account_id=user.account_id,
                version_id=F("policy__default_version"),
            ).select_related("policy"):
                named = _named(version.policy.name, version.document)
                if named:
                    identity.append(named)
    return PrincipalPolicies(tuple(identity), scp_levels(user.account))


def scp_levels(account: Account) -> tuple[tuple[str, tuple[NamedPolicy, ...]], ...]:
    """The SCP chain of ``account``: the organization's, then the account's. None for management."""
    organization = account.organization
    if organization.management_account_id == account.pk:
        return ()
    attachments = list(
        SCPAttachment.objects.filter(organization=organization).filter(
            Q(account__isnull=True) | Q(account=account)
        )
    )
    custom_ids = {a.policy_arn.rsplit("/", 1)[-1] for a in attachments}
    custom = {
        scp.arn: scp
        for scp in ServiceControlPolicy.objects.filter(
            organization=organization, policy_id__in=custom_ids
        ).select_related("organization")
    }
    levels = []
    for level, target in (("organization root", None), ("account", account.pk)):
        arns = [a.policy_arn for a in attachments if a.account_id == target] or [FULL_AWS_ACCESS]
        policies = []
        for arn in arns:
            if arn in _catalog()["scp"]:
                managed = _catalog()["scp"][arn]
                named = _named(managed.name, managed.document, "scp")
            elif arn in custom:
                named = _named(custom[arn].name, custom[arn].document, "scp")
            else:
                named = None
            if named:
                policies.append(named)
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


def simulate(user: User, *, actions, resource: str, mfa: bool, context: dict) -> list[tuple]:
    """The policy simulator: each action's decision for ``user`` on ``resource``, signed in
    with MFA or not, with the other ``context`` keys: ``[(action, decision), ...]``."""
    loaded = principal_policies(user)
    values = {**_principal_values(user, mfa=mfa), **context}
    if mfa:
        values.setdefault("aws:MultiFactorAuthAge", "60")
    return [
        (
            action,
            evaluate(
                action=action,
                resource=resource,
                context=context_of(values),
                identity_policies=loaded.identity,
                scp_levels=loaded.scp_levels,
            ),
        )
        for action in actions
    ]


def effective_permissions(user: User, actions) -> list[dict]:
    """What ``user`` may do, without and with MFA: for each ``(action, resource kind)`` of
    ``actions`` a row with the action, the resource and both decisions."""
    loaded = principal_policies(user)
    resources = {
        "user": user.arn,
        "users": ids.user_arn(user.account_id, "/", "*"),
        "policies": ids.policy_arn(user.account_id, "/", "*"),
        "trail": f"arn:aws:cloudtrail::{user.account_id}:trail/*",
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
            )
        rows.append(row)
    return rows


def request_context(request, user: User) -> dict[str, object]:
    """The global condition keys of a console request."""
    now = timezone.now()
    mfa_age = authn_state.mfa_age(request)
    from .requestinfo import client_ip

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


# --- Services ---------------------------------------------------------------------------


def _insert_named(policy) -> None:
    """Insert a new policy; its name taken meanwhile is a form error on the name."""
    try:
        with transaction.atomic():
            policy.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(
            {
                "name": ValidationError(
                    _("A policy with this name already exists."), code="duplicate"
                )
            }
        ) from None


@transaction.atomic
def customer_policy_create(
    *,
    actor: User,
    account: Account,
    name: str,
    document: str,
    description: str = "",
    path="/",
    request=None,
) -> CustomerPolicy:
    validate_document(document, limit=MAX_MANAGED_SIZE)
    policy = CustomerPolicy(
        account=account,
        name=name,
        path=path,
        description=description,
        arn=ids.policy_arn(account.id, path, name),
    )
    policy.full_clean(exclude=["account"])
    _insert_named(policy)
    PolicyVersion.objects.create(policy=policy, version_id="v1", document=document)
    audit.record(
        Event.CREATE_POLICY,
        actor=actor,
        account_id=account.id,
        request=request,
        request_parameters={
            "policyName": name,
            "policyArn": policy.arn,
        },
    )
    return policy


@transaction.atomic
def customer_policy_version_create(
    *, actor: User, policy: CustomerPolicy, document: str, set_default: bool = True, request=None
) -> PolicyVersion:
    policy = CustomerPolicy.objects.select_for_update().get(pk=policy.pk)
    validate_document(document, limit=MAX_MANAGED_SIZE)
    if policy.versions.count() >= MAX_VERSIONS:
        raise ValidationError(
            _(
                "A policy keeps at most %(max)d versions. Delete a version that is not the default first."
            )
            % {"max": MAX_VERSIONS},
            code="too_many_versions",
        )
    version = PolicyVersion.objects.create(
        policy=policy, version_id=f"v{policy.next_version}", document=document
    )
    policy.next_version += 1
    policy.updated = timezone.now()
    if set_default:
        policy.default_version = version.version_id
    policy.save(update_fields=["next_version", "updated", "default_version"])
    audit.record(
        Event.CREATE_POLICY_VERSION,
        actor=actor,
        account_id=policy.account_id,
        request=request,
        request_parameters={
            "policyArn": policy.arn,
            "versionId": version.version_id,
            "setAsDefault": set_default,
        },
    )
    return version


@transaction.atomic
def customer_policy_default_set(
    *, actor: User, policy: CustomerPolicy, version_id: str, request=None
):
    policy = CustomerPolicy.objects.select_for_update().get(pk=policy.pk)
    if not policy.versions.filter(version_id=version_id).exists():
        raise ValidationError(_("There is no such version."), code="missing")
    policy.default_version = version_id
    policy.updated = timezone.now()
    policy.save(update_fields=["default_version", "updated"])
    audit.record(
        Event.SET_DEFAULT_POLICY_VERSION,
        actor=actor,
        account_id=policy.account_id,
        request=request,
        request_parameters={
            "policyArn": policy.arn,
            "versionId": version_id,
        },
    )


@transaction.atomic
def customer_policy_version_delete(
    *, actor: User, policy: CustomerPolicy, version_id: str, request=None
):
    policy = CustomerPolicy.objects.select_for_update().get(pk=policy.pk)
    if version_id == policy.default_version:
        raise ValidationError(_("The default version cannot be deleted."), code="default")
    deleted, _by_model = policy.versions.filter(version_id=version_id).delete()
    if not deleted:
        raise ValidationError(_("There is no such version."), code="missing")
    audit.record(
        Event.DELETE_POLICY_VERSION,
        actor=actor,
        account_id=policy.account_id,
        request=request,
        request_parameters={
            "policyArn": policy.arn,
            "versionId": version_id,
        },
    )


def _known_policy_arn(account: Account, arn: str) -> bool:
    return (
        aws_managed(arn) is not None
        or CustomerPolicy.objects.filter(account=account, arn=arn).exists()
    )


@transaction.atomic
def policy_attach(
    *,
    actor: User,
    account: Account,
    policy_arn: str,
    user: User | None = None,
    group: Group | None = None,
    request=None,
) -> None:
    if not _known_policy_arn(account, policy_arn):
        raise ValidationError({"policy_arn": _("There is no such policy in this account.")})
    target = {"user": user} if user is not None else {"group": group}
    if PolicyAttachment.objects.filter(policy_arn=policy_arn, **target).exists():
        return
    if PolicyAttachment.objects.filter(**target).count() >= MAX_ATTACHED:
        raise ValidationError(
            _("At most %(max)d managed policies can be attached.") % {"max": MAX_ATTACHED},
            code="too_many",
        )
    _attachment, created = PolicyAttachment.objects.get_or_create(
        account=account, policy_arn=policy_arn, **target
    )
    if created:
        audit.record(
            Event.ATTACH_USER_POLICY if user is not None else Event.ATTACH_GROUP_POLICY,
            actor=actor,
            account_id=account.id,
            request=request,
            request_parameters={
                "policyArn": policy_arn,
                **({"userName": user.name} if user is not None else {"groupName": group.name}),
            },
        )


@transaction.atomic
def policy_detach(
    *,
    actor: User,
    account: Account,
    policy_arn: str,
    user: User | None = None,
    group: Group | None = None,
    request=None,
) -> None:
    target = {"user": user} if user is not None else {"group": group}
    deleted, _by_model = PolicyAttachment.objects.filter(policy_arn=policy_arn, **target).delete()
    if deleted:
        audit.record(
            Event.DETACH_USER_POLICY if user is not None else Event.DETACH_GROUP_POLICY,
            actor=actor,
            account_id=account.id,
            request=request,
            request_parameters={
                "policyArn": policy_arn,
                **({"userName": user.name} if user is not None else {"groupName": group.name}),
            },
        )


@transaction.atomic
def inline_policy_put(
    *,
    actor: User,
    name: str,
    document: str,
    user: User | None = None,
    group: Group | None = None,
    request=None,
) -> InlinePolicy:
    owner = user if user is not None else group
    target = {"user": user} if user is not None else {"group": group}
    limit = MAX_USER_INLINE_SIZE if user is not None else MAX_GROUP_INLINE_SIZE
    others = InlinePolicy.objects.filter(**target).exclude(name__iexact=name)
    validate_document(
        document, limit=limit - sum(size_without_whitespace(p.document) for p in others)
    )
    inline = InlinePolicy.objects.filter(name__iexact=name, **target).first()
    if inline is None:
        inline = InlinePolicy(account_id=owner.account_id, name=name, **target)
    inline.document, inline.updated = document, timezone.now()
    inline.full_clean(exclude=["account", "user", "group"])
    inline.save()
    audit.record(
        Event.PUT_USER_POLICY if user is not None else Event.PUT_GROUP_POLICY,
        actor=actor,
        account_id=owner.account_id,
        request=request,
        request_parameters={
            "policyName": name,
            **({"userName": user.name} if user is not None else {"groupName": group.name}),
        },
    )
    return inline


@transaction.atomic
def inline_policy_delete(*, actor: User, inline: InlinePolicy, request=None) -> None:
    owner = inline.user or inline.group
    who = {"userName": owner.name} if inline.user_id else {"groupName": owner.name}
    inline.delete()
    audit.record(
        Event.DELETE_USER_POLICY if inline.user_id else Event.DELETE_GROUP_POLICY,
        actor=actor,
        account_id=owner.account_id,
        request=request,
        request_parameters={
            "policyName": inline.name,
            **who,
        },
    )


@transaction.atomic
def scp_create(
    *,
    actor: User,
    organization: Organization,
    name: str,
    document: str,
    description="",
    request=None,
):
    validate_document(document, limit=MAX_SCP_SIZE, scp=True)
    scp = ServiceControlPolicy(
        organization=organization, name=name, description=description, document=document
    )
    scp.full_clean(exclude=["organization"])
    _insert_named(scp)
    audit.record(
        Event.CREATE_POLICY,
        actor=actor,
        account_id=organization.management_account_id,
        request=request,
        request_parameters={
            "type": "SERVICE_CONTROL_POLICY",
            "name": name,
            "policyId": scp.policy_id,
        },
    )
    return scp


@transaction.atomic
def scp_attach(
    *,
    actor: User,
    organization: Organization,
    policy_arn: str,
    account: Account | None,
    request=None,
):
    if not SCPAttachment.objects.filter(organization=organization, account=account).exists():
        # The implicit FullAWSAccess becomes explicit, as AWS has it attached from the start.
        SCPAttachment.objects.create(
            organization=organization, account=account, policy_arn=FULL_AWS_ACCESS
        )
    _attachment, created = SCPAttachment.objects.get_or_create(
        organization=organization, account=account, policy_arn=policy_arn
    )
    if not created:
        return
    audit.record(
        Event.ATTACH_POLICY,
        actor=actor,
        account_id=organization.management_account_id,
        request=request,
        request_parameters={
            "policyArn": policy_arn,
            "targetId": account.id if account else organization.id,
        },
    )


@transaction.atomic
def scp_detach(
    *,
    actor: User,
    organization: Organization,
    policy_arn: str,
    account: Account | None,
    request=None,
):
    attachments = SCPAttachment.objects.filter(organization=organization, account=account)
    if attachments.exclude(policy_arn=policy_arn).count() == 0:
        raise ValidationError(
            _("Every target keeps at least one SCP: attach another before you detach this one."),
            code="last",
        )
    deleted, _by_model = attachments.filter(policy_arn=policy_arn).delete()
    if not deleted:
        return
    audit.record(
        Event.DETACH_POLICY,
        actor=actor,
        account_id=organization.management_account_id,
        request=request,
        request_parameters={
            "policyArn": policy_arn,
            "targetId": account.id if account else organization.id,
        },
    )
