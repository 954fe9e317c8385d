"""The changes to policies: customer managed policies and their versions, attachments, inline
policies and SCPs. Each is atomic and writes its audit event; each validates the document
(its size, then the engine's parser) before anything is stored.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .. import arns, audit, ids
from ..audit_events import Event
from ..models import (
    Account,
    CustomerPolicy,
    Group,
    InlinePolicy,
    Organization,
    OrganizationalUnit,
    PolicyAttachment,
    PolicyVersion,
    SCPAttachment,
    ServiceControlPolicy,
    User,
)
from ..policy import PolicyError, PolicyWarning, size_without_whitespace, warnings
from .catalog import FULL_AWS_ACCESS, aws_managed, aws_scp

MAX_VERSIONS = 5
MAX_MANAGED_SIZE = 6144  # characters without whitespace, as AWS
MAX_USER_INLINE_SIZE = 2048  # all of a user's inline policies together
MAX_GROUP_INLINE_SIZE = 5120
MAX_SCP_SIZE = 5120
MAX_ATTACHED = 10  # managed policies per user or group (AWS's default quota)


# --- Validation ------------------------------------------------------------------------


def validate_document(text: str, *, limit: int, scp: bool = False) -> list[tuple[str, str]]:
    """A ``ValidationError`` on the ``document`` field: the size first, then the element at fault.

    A valid document gives its warnings, ``(path, message)`` pairs: the parts that match
    nothing, or not as they seem (``document_warnings``). They refuse nothing: AWS stores such
    documents, and the API and SCPs bring them. Validation does not keep what it parsed: only
    stored documents are cached.
    """
    size = size_without_whitespace(text)
    if size > limit:
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
    try:
        found = warnings(text, scp=scp)
    except PolicyError as error:
        raise ValidationError({"document": ValidationError(str(error), code="invalid")}) from None
    return [(warning.path, warning_message(warning)) for warning in found]


def document_warnings(text: str, *, scp: bool = False) -> list[tuple[str, str]]:
    """``(path, message)`` for each part of ``text`` that matches nothing, or not as it seems, in
    the reader's language, as IAM Access Analyzer reports its findings; none when ``text`` is no
    valid document (``validate_document`` says what is wrong)."""
    try:
        found = warnings(text, scp=scp)
    except PolicyError:
        return []
    return [(warning.path, warning_message(warning)) for warning in found]


# The engine's warnings (identity.policy.PolicyWarning.code), in the reader's language. A negated
# operator's value that matches nothing makes its whole condition fail: its own sentence.
_WARNINGS = {
    "action-matches-nothing": gettext_lazy(
        "“%(value)s” can match no action: the name after the colon is empty or holds a space, "
        "a comma or a character outside printable ASCII."
    ),
    "not-action-excludes-nothing": gettext_lazy(
        "“%(value)s” can match no action, so NotAction excludes nothing with it: the statement "
        "applies to every action the element does not otherwise name."
    ),
    "no-statements": gettext_lazy(
        "This SCP has no statements: it allows nothing. Where it is the only SCP attached, "
        "every request is denied."
    ),
    "variable-not-replaced": gettext_lazy(
        "Policy variables are replaced only in String, ARN and Bool conditions: in "
        "%(operator)s, “%(value)s” is read as written, so it never matches."
    ),
    "variable-compared-as-text": gettext_lazy(
        "Policy variables are replaced only in String, ARN and Bool conditions: in "
        "%(operator)s, “%(value)s” is compared as written."
    ),
    "variable-needs-2012": gettext_lazy(
        "Policy variables need “Version”: “2012-10-17”: here “%(value)s” is literal text."
    ),
    "no-values": gettext_lazy(
        "This condition key has no values: in an Allow the statement never applies, in a Deny "
        "the key is no condition."
    ),
    "not-a-number": gettext_lazy("“%(value)s” is not a number, so %(operator)s never matches it."),
    "not-a-date": gettext_lazy(
        "“%(value)s” is not a date or epoch seconds, so %(operator)s never matches it."
    ),
    "not-an-ip": gettext_lazy(
        "“%(value)s” is not an IP address or CIDR range, so %(operator)s never matches it."
    ),
    "not-a-boolean": gettext_lazy(
        "“%(value)s” is neither true nor false, so %(operator)s never matches it."
    ),
    "not-an-arn": gettext_lazy(
        "“%(value)s” is not an ARN of six parts, so %(operator)s never matches it."
    ),
}
_NEGATED_WARNINGS = {
    "variable-not-replaced": gettext_lazy(
        "Policy variables are replaced only in String, ARN and Bool conditions: in "
        "%(operator)s, “%(value)s” is read as written, so this condition never holds."
    ),
    "not-a-number": gettext_lazy(
        "“%(value)s” is not a number, so this %(operator)s condition never holds."
    ),
    "not-a-date": gettext_lazy(
        "“%(value)s” is not a date or epoch seconds, so this %(operator)s condition never holds."
    ),
    "not-an-ip": gettext_lazy(
        "“%(value)s” is not an IP address or CIDR range, so this %(operator)s condition never "
        "holds."
    ),
    "not-an-arn": gettext_lazy(
        "“%(value)s” is not an ARN of six parts, so this %(operator)s condition never holds."
    ),
}


def warning_message(warning: PolicyWarning) -> str:
    """The sentence for one of the engine's warnings, without its path."""
    texts = (
        _NEGATED_WARNINGS if warning.negated and warning.code in _NEGATED_WARNINGS else _WARNINGS
    )
    text = texts.get(warning.code)
    if text is None:  # a warning this layer does not word yet: the engine's own sentence
        return warning.sentence
    return str(text) % {"value": warning.value, "operator": warning.operator}


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
        arn=arns.policy(account.id, path, name),
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
                **_owner_parameters(user, group),
            },
        )


def _owner_parameters(user: User | None, group: Group | None) -> dict:
    """Who holds the policy, as the audit event names it."""
    return {"userName": user.name} if user is not None else {"groupName": group.name}


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
                **_owner_parameters(user, group),
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
            **_owner_parameters(user, group),
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


def _scp_target(
    organization: Organization,
    account: Account | None,
    organizational_unit: OrganizationalUnit | None,
) -> tuple[dict, str]:
    """The attachments' filter of one target (the root when both are None) and its id as AWS
    names it (``r-…``, ``ou-…`` or the account's)."""
    if account is not None and organizational_unit is not None:
        raise ValueError("an SCP is attached to one target")
    target = account or organizational_unit
    if target is not None and target.organization_id != organization.pk:
        raise ValidationError(_("That target is not in this organization."), code="TargetNotFound")
    if account is not None:
        return {"account": account}, account.pk
    if organizational_unit is not None:
        return {"organizational_unit": organizational_unit}, organizational_unit.pk
    return (
        {"account__isnull": True, "organizational_unit__isnull": True},
        ids.organization_root_id(organization.pk),
    )


MAX_SCPS_PER_TARGET = 5  # AWS Organizations' quota per root, OU or account


def _lock_target(organization: Organization, organizational_unit: OrganizationalUnit | None):
    """Lock the organization's SCP attachments for this transaction, and the OU when it is the
    target: two changes to one target cannot both pass their checks (two detaches each leaving
    one SCP would leave none, which is FullAWSAccess again), and an OU deleted meanwhile is a
    clean refusal. The organization's row is locked ``FOR NO KEY UPDATE``, so rows that only
    refer to it (a new account, an OU) are not held up; the OU's row conflicts with its
    deletion's ``FOR UPDATE``."""
    Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).get()
    if organizational_unit is None:
        return
    if (
        not OrganizationalUnit.objects.select_for_update(no_key=True)
        .filter(pk=organizational_unit.pk, organization=organization)
        .exists()
    ):
        raise ValidationError(
            _("That OU no longer exists."), code="OrganizationalUnitNotFoundException"
        )


def _known_scp(organization: Organization, policy_arn: str) -> bool:
    if aws_scp(policy_arn) is not None:
        return True
    policy_id = policy_arn.rsplit("/", 1)[-1]
    scp = (
        ServiceControlPolicy.objects.filter(organization=organization, policy_id=policy_id)
        .select_related("organization")
        .first()
    )
    return scp is not None and scp.arn == policy_arn


@transaction.atomic
def scp_attach(
    *,
    actor: User,
    organization: Organization,
    policy_arn: str,
    account: Account | None = None,
    organizational_unit: OrganizationalUnit | None = None,
    request=None,
):
    """Attach an SCP to the root (no account, no OU), an OU or an account: five at most
    (AWS's quota, FullAWSAccess included)."""
    target, target_id = _scp_target(organization, account, organizational_unit)
    _lock_target(organization, organizational_unit)
    if not _known_scp(organization, policy_arn):
        raise ValidationError(
            _("There is no such SCP in this organization."), code="PolicyNotFound"
        )
    attachments = SCPAttachment.objects.filter(organization=organization, **target)
    attached = set(attachments.values_list("policy_arn", flat=True))
    if policy_arn in attached:
        return
    if len(attached or {FULL_AWS_ACCESS}) >= MAX_SCPS_PER_TARGET:
        raise ValidationError(
            _(
                "A root, an OU or an account can have at most %(count)d SCPs attached. Detach "
                "one before you attach another."
            )
            % {"count": MAX_SCPS_PER_TARGET},
            code="ConstraintViolation",
        )
    if not attached:
        # The implicit FullAWSAccess becomes explicit, as AWS has it attached from the start
        # (attaching FullAWSAccess itself only does that: the same policies apply, no event).
        SCPAttachment.objects.create(
            organization=organization,
            account=account,
            organizational_unit=organizational_unit,
            policy_arn=FULL_AWS_ACCESS,
        )
        if policy_arn == FULL_AWS_ACCESS:
            return
    SCPAttachment.objects.create(
        organization=organization,
        account=account,
        organizational_unit=organizational_unit,
        policy_arn=policy_arn,
    )
    audit.record(
        Event.ATTACH_POLICY,
        actor=actor,
        account_id=organization.management_account_id,
        request=request,
        request_parameters={"policyArn": policy_arn, "targetId": target_id},
    )


@transaction.atomic
def scp_detach(
    *,
    actor: User,
    organization: Organization,
    policy_arn: str,
    account: Account | None = None,
    organizational_unit: OrganizationalUnit | None = None,
    request=None,
) -> bool:
    """Detach an SCP from a target; its last one stays (AWS: every target keeps one). False
    when it was not attached (another detach came first, say): nothing changed."""
    target, target_id = _scp_target(organization, account, organizational_unit)
    _lock_target(organization, organizational_unit)
    attachments = SCPAttachment.objects.filter(organization=organization, **target)
    attached = set(attachments.values_list("policy_arn", flat=True))
    if policy_arn not in (attached or {FULL_AWS_ACCESS}):  # none stored: FullAWSAccess, implicit
        return False
    if not attached - {policy_arn}:
        raise ValidationError(
            _("Every target keeps at least one SCP: attach another before you detach this one."),
            code="last",
        )
    attachments.filter(policy_arn=policy_arn).delete()
    audit.record(
        Event.DETACH_POLICY,
        actor=actor,
        account_id=organization.management_account_id,
        request=request,
        request_parameters={"policyArn": policy_arn, "targetId": target_id},
    )
    return True


@transaction.atomic
def customer_policy_delete(*, actor: User, policy: CustomerPolicy, request=None) -> None:
    """Delete a customer managed policy that nothing holds any more (AWS's ``DeleteConflict``):
    attached to no user or group, and the permissions boundary of no user. The policy's row is
    locked first, as setting a boundary locks it: neither can slip past the other."""
    CustomerPolicy.objects.select_for_update().filter(pk=policy.pk).exists()
    if PolicyAttachment.objects.filter(
        account_id=policy.account_id, policy_arn=policy.arn
    ).exists():
        raise ValidationError(
            _("Detach the policy from every user and group before you delete it."),
            code="DeleteConflict",
        )
    bounded = User.objects.filter(
        account_id=policy.account_id, permissions_boundary=policy.arn
    ).count()
    if bounded:
        raise ValidationError(
            ngettext(
                "The policy is the permissions boundary of %(count)d user: remove it from that "
                "user before you delete the policy.",
                "The policy is the permissions boundary of %(count)d users: remove it from "
                "them before you delete the policy.",
                bounded,
            )
            % {"count": bounded},
            code="DeleteConflict",
        )
    account_id, name, arn = policy.account_id, policy.name, policy.arn
    policy.delete()
    audit.record(
        Event.DELETE_POLICY,
        actor=actor,
        account_id=account_id,
        request=request,
        request_parameters={"policyName": name, "policyArn": arn},
    )
