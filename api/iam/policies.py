"""Managed policies and their versions, attachments, and inline policies."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count

from identity import arns, selectors, services
from identity.authorization import Permission
from identity.models import CustomerPolicy, Group, InlinePolicy, PolicyAttachment, PolicyTag, User
from identity.policies import catalog
from identity.policies import services as policy_services

from ..errors import ApiError
from ..registry import Call, no_paging, operation, page
from . import documents
from .common import (
    group_arn,
    require_group,
    require_user,
    tags_from_input,
    target_boundary,
    target_user_arn,
)


def _any_policy(call: Call) -> str:
    return arns.policy(call.account.id, "/", "*")


def _new_policy_arn(call: Call) -> str:
    return arns.policy(call.account.id, call.input.get("Path") or "/", call.input["PolicyName"])


def _policy_arn(call: Call) -> str:
    return call.input["PolicyArn"]


def _with_policy_arn(call: Call) -> dict:
    return {"iam:PolicyARN": call.input["PolicyArn"]}


def _with_policy_arn_and_boundary(call: Call) -> dict:
    """A user's: the policy, and the user's permissions boundary when it has one."""
    return {**_with_policy_arn(call), **target_boundary(call)}


def _customer_policy(call: Call) -> CustomerPolicy:
    policy = CustomerPolicy.objects.filter(
        account=call.account, arn=call.input["PolicyArn"]
    ).first()
    if policy is None:
        if catalog.aws_managed(call.input["PolicyArn"]) is not None:
            raise ApiError("InvalidInput", "AWS managed policies cannot be changed.")
        raise ApiError(
            "NoSuchEntity", f"Policy {call.input['PolicyArn']} does not exist or is not attachable."
        )
    return policy


def _policy_shape(
    policy: CustomerPolicy,
    attachments: int | None = None,
    *,
    boundary_uses: int = 0,
    details: bool = False,
) -> dict:
    """A policy as CreatePolicy and ListPolicies show it; ``details`` adds what only GetPolicy
    shows: the description (when there is one) and the tags (always, even none)."""
    shape = {
        "PolicyName": policy.name,
        "PolicyId": policy.policy_id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version,
        "AttachmentCount": attachments
        if attachments is not None
        else getattr(policy, "attachment_count", 0),
        "PermissionsBoundaryUsageCount": boundary_uses,
        "IsAttachable": True,
        "CreateDate": policy.created,
        "UpdateDate": policy.updated,
    }
    if details:
        if policy.description:
            shape["Description"] = policy.description
        shape["Tags"] = [{"Key": t.key, "Value": t.value} for t in policy.tags.all()]
    return shape


def _aws_policy_shape(
    managed, attachments: int = 0, *, boundary_uses: int = 0, details: bool = False
) -> dict:
    shape = {
        "PolicyName": managed.name,
        "PolicyId": "ANPA" + managed.name.upper()[:17].ljust(17, "A"),
        "Arn": managed.arn,
        "Path": "/",
        "DefaultVersionId": "v1",
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": boundary_uses,
        "IsAttachable": True,
    }
    if details:
        shape["Description"] = managed.description
        shape["Tags"] = []
    return shape


def _attachment_counts(call: Call) -> dict[str, int]:
    return dict(
        PolicyAttachment.objects.filter(account=call.account)
        .values_list("policy_arn")
        .annotate(n=Count("pk"))
        .values_list("policy_arn", "n")
    )


def _boundary_counts(call: Call) -> dict[str, int]:
    """Policy ARN to the number of the account's users it is the permissions boundary of."""
    return selectors.boundary_use_counts(call.account)


@operation("iam", "CreatePolicy", Permission("iam:CreatePolicy", _new_policy_arn))
def create_policy(call: Call) -> dict:
    documents.check(call.input["PolicyDocument"])
    tags = tags_from_input(call)
    if CustomerPolicy.objects.filter(
        account=call.account, name__lower=call.input["PolicyName"].lower()
    ).exists():
        raise ApiError(
            "EntityAlreadyExists",
            f"A policy called {call.input['PolicyName']} already exists. Duplicate names are not allowed.",
        )
    with transaction.atomic():  # a tag refused leaves no policy behind
        policy = policy_services.customer_policy_create(
            actor=call.user,
            account=call.account,
            name=call.input["PolicyName"],
            document=call.input["PolicyDocument"],
            description=call.input.get("Description", ""),
            path=call.input.get("Path") or "/",
            request=call.request,
        )
        if tags:
            services.policy_tags_set(
                actor=call.user, policy=policy, tags=tags, request=call.request
            )
    shape = _policy_shape(policy, 0)
    if tags:
        shape["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return {"Policy": shape}


@operation("iam", "TagPolicy", Permission("iam:TagPolicy", _policy_arn))
def tag_policy(call: Call) -> None:
    services.policy_tags_set(
        actor=call.user,
        policy=_customer_policy(call),
        tags=tags_from_input(call),
        request=call.request,
    )


@operation("iam", "UntagPolicy", Permission("iam:UntagPolicy", _policy_arn))
def untag_policy(call: Call) -> None:
    services.policy_tags_remove(
        actor=call.user,
        policy=_customer_policy(call),
        keys=call.input["TagKeys"],
        request=call.request,
    )


@operation("iam", "ListPolicyTags", Permission("iam:ListPolicyTags", _policy_arn))
def list_policy_tags(call: Call) -> dict:
    tags = PolicyTag.objects.filter(policy=_customer_policy(call))
    return page(call, tags, "id", "Tags", lambda t: {"Key": t.key, "Value": t.value})


@operation("iam", "GetPolicy", Permission("iam:GetPolicy", _policy_arn))
def get_policy(call: Call) -> dict:
    counts, uses = _attachment_counts(call), _boundary_counts(call)
    managed = catalog.aws_managed(call.input["PolicyArn"])
    if managed is not None:
        return {
            "Policy": _aws_policy_shape(
                managed,
                counts.get(managed.arn, 0),
                boundary_uses=uses.get(managed.arn, 0),
                details=True,
            )
        }
    policy = _customer_policy(call)
    return {
        "Policy": _policy_shape(
            policy, counts.get(policy.arn, 0), boundary_uses=uses.get(policy.arn, 0), details=True
        )
    }


@operation("iam", "ListPolicies", Permission("iam:ListPolicies", _any_policy))
def list_policies(call: Call) -> dict:
    scope = call.input.get("Scope", "All")
    prefix = call.input.get("PathPrefix") or "/"
    only_attached = call.input.get("OnlyAttached", False)
    counts, uses = _attachment_counts(call), _boundary_counts(call)

    def aws_shape(managed):
        return _aws_policy_shape(
            managed, counts.get(managed.arn, 0), boundary_uses=uses.get(managed.arn, 0)
        )

    if scope == "AWS":
        policies = [
            aws_shape(m)
            for m in catalog.aws_managed_policies()
            if prefix == "/" and (not only_attached or counts.get(m.arn))
        ]
        return {"Policies": policies, "IsTruncated": False}
    queryset = CustomerPolicy.objects.filter(account=call.account, path__startswith=prefix)
    if only_attached:
        queryset = queryset.filter(arn__in=[arn for arn, n in counts.items() if n])
    result = page(
        call,
        queryset,
        "name",
        "Policies",
        lambda p: _policy_shape(p, counts.get(p.arn, 0), boundary_uses=uses.get(p.arn, 0)),
    )
    if scope == "All" and not result["IsTruncated"] and prefix == "/":
        result["Policies"] += [
            aws_shape(m)
            for m in catalog.aws_managed_policies()
            if not only_attached or counts.get(m.arn)
        ]
    return result


@operation("iam", "DeletePolicy", Permission("iam:DeletePolicy", _policy_arn))
def delete_policy(call: Call) -> None:
    policy_services.customer_policy_delete(
        actor=call.user, policy=_customer_policy(call), request=call.request
    )


def _version_shape(version, default: str, with_document: bool) -> dict:
    shape = {
        "VersionId": version.version_id,
        "IsDefaultVersion": version.version_id == default,
        "CreateDate": version.created,
    }
    if with_document:
        shape["Document"] = version.document
    return shape


@operation("iam", "CreatePolicyVersion", Permission("iam:CreatePolicyVersion", _policy_arn))
def create_policy_version(call: Call) -> dict:
    policy = _customer_policy(call)
    documents.check(call.input["PolicyDocument"])
    version = policy_services.customer_policy_version_create(
        actor=call.user,
        policy=policy,
        document=call.input["PolicyDocument"],
        set_default=call.input.get("SetAsDefault", False),
        request=call.request,
    )
    policy.refresh_from_db()
    return {"PolicyVersion": _version_shape(version, policy.default_version, False)}


@operation("iam", "GetPolicyVersion", Permission("iam:GetPolicyVersion", _policy_arn))
def get_policy_version(call: Call) -> dict:
    managed = catalog.aws_managed(call.input["PolicyArn"])
    if managed is not None:
        if call.input["VersionId"] != "v1":
            raise ApiError("NoSuchEntity", "Policy version not found.")
        return {
            "PolicyVersion": {
                "Document": managed.document,
                "VersionId": "v1",
                "IsDefaultVersion": True,
            }
        }
    policy = _customer_policy(call)
    version = policy.versions.filter(version_id=call.input["VersionId"]).first()
    if version is None:
        raise ApiError(
            "NoSuchEntity",
            f"Policy {policy.arn} version {call.input['VersionId']} does not exist or is not attachable.",
        )
    return {"PolicyVersion": _version_shape(version, policy.default_version, True)}


@operation("iam", "ListPolicyVersions", Permission("iam:ListPolicyVersions", _policy_arn))
def list_policy_versions(call: Call) -> dict:
    no_paging(call)
    policy = _customer_policy(call)
    versions = policy.versions.order_by("-created", "-pk")
    return {
        "Versions": [_version_shape(v, policy.default_version, False) for v in versions],
        "IsTruncated": False,
    }


@operation("iam", "DeletePolicyVersion", Permission("iam:DeletePolicyVersion", _policy_arn))
def delete_policy_version(call: Call) -> None:
    policy_services.customer_policy_version_delete(
        actor=call.user,
        policy=_customer_policy(call),
        version_id=call.input["VersionId"],
        request=call.request,
    )


@operation("iam", "SetDefaultPolicyVersion", Permission("iam:SetDefaultPolicyVersion", _policy_arn))
def set_default_policy_version(call: Call) -> None:
    policy_services.customer_policy_default_set(
        actor=call.user,
        policy=_customer_policy(call),
        version_id=call.input["VersionId"],
        request=call.request,
    )


# --- Attachments ---------------------------------------------------------------------------


def _attach(
    call: Call, *, user: User | None = None, group: Group | None = None, attach: bool
) -> None:
    arn = call.input["PolicyArn"]
    if attach:
        if (
            catalog.aws_managed(arn) is None
            and not CustomerPolicy.objects.filter(account=call.account, arn=arn).exists()
        ):
            raise ApiError("NoSuchEntity", f"Policy {arn} does not exist or is not attachable.")
        policy_services.policy_attach(
            actor=call.user,
            account=call.account,
            policy_arn=arn,
            user=user,
            group=group,
            request=call.request,
        )
        return
    target = {"user": user} if user is not None else {"group": group}
    if not PolicyAttachment.objects.filter(policy_arn=arn, **target).exists():
        raise ApiError("NoSuchEntity", f"Policy {arn} was not found.")
    policy_services.policy_detach(
        actor=call.user,
        account=call.account,
        policy_arn=arn,
        user=user,
        group=group,
        request=call.request,
    )


USER_CONTEXT_DOC = "`iam:PolicyARN`, and the user's `iam:PermissionsBoundary` (when it has one)"


def _attach_operations(kind: str, resource, owner_of) -> None:
    """Attach and Detach ``kind`` (``User`` or ``Group``) policies, each asking its own action
    about the owner's ARN with the policy's ARN as ``iam:PolicyARN`` (and a user's permissions
    boundary as ``iam:PermissionsBoundary``)."""
    for verb, attach in (("Attach", True), ("Detach", False)):
        name = f"{verb}{kind}Policy"

        def handler(call: Call, attach: bool = attach) -> None:
            _attach(call, **{kind.lower(): owner_of(call)}, attach=attach)

        if kind == "User":
            permission = Permission(
                f"iam:{name}",
                resource,
                context=_with_policy_arn_and_boundary,
                context_doc=USER_CONTEXT_DOC,
            )
        else:
            permission = Permission(f"iam:{name}", resource, context=_with_policy_arn)
        operation("iam", name, permission)(handler)


_attach_operations("User", target_user_arn, require_user)  # AttachUserPolicy, DetachUserPolicy
_attach_operations("Group", group_arn, require_group)  # AttachGroupPolicy, DetachGroupPolicy


def _attached(call: Call, **target) -> dict:
    attachments = PolicyAttachment.objects.filter(**target)
    prefix = call.input.get("PathPrefix")
    names = dict(CustomerPolicy.objects.filter(account=call.account).values_list("arn", "name"))

    def render(attachment):
        managed = catalog.aws_managed(attachment.policy_arn)
        name = (
            managed.name
            if managed
            else names.get(attachment.policy_arn, attachment.policy_arn.rsplit("/", 1)[-1])
        )
        return {"PolicyName": name, "PolicyArn": attachment.policy_arn}

    if prefix and prefix != "/":
        attachments = attachments.filter(policy_arn__contains=f":policy{prefix}")
    return page(call, attachments, "policy_arn", "AttachedPolicies", render)


@operation(
    "iam", "ListAttachedUserPolicies", Permission("iam:ListAttachedUserPolicies", target_user_arn)
)
def list_attached_user_policies(call: Call) -> dict:
    return _attached(call, user=require_user(call))


@operation(
    "iam", "ListAttachedGroupPolicies", Permission("iam:ListAttachedGroupPolicies", group_arn)
)
def list_attached_group_policies(call: Call) -> dict:
    return _attached(call, group=require_group(call))


@operation("iam", "ListEntitiesForPolicy", Permission("iam:ListEntitiesForPolicy", _policy_arn))
def list_entities_for_policy(call: Call) -> dict:
    no_paging(call)
    arn = call.input["PolicyArn"]
    if catalog.aws_managed(arn) is None:
        _customer_policy(call)
    attachments = PolicyAttachment.objects.filter(
        account=call.account, policy_arn=arn
    ).select_related("user", "group")
    kind = call.input.get("EntityFilter")
    users = [a.user for a in attachments if a.user_id and kind in (None, "User")]
    groups = [a.group for a in attachments if a.group_id and kind in (None, "Group")]
    return {
        "PolicyUsers": [{"UserName": u.name, "UserId": u.unique_id} for u in users],
        "PolicyGroups": [{"GroupName": g.name, "GroupId": g.unique_id} for g in groups],
        "PolicyRoles": [],
        "IsTruncated": False,
    }


# --- Inline policies -----------------------------------------------------------------------


def _inline(call: Call, **owner) -> InlinePolicy:
    inline = InlinePolicy.objects.filter(
        name__lower=call.input["PolicyName"].lower(), **owner
    ).first()
    if inline is None:
        # AWS's sentence: "The user policy with name X cannot be found." (group: "The group …")
        kind = next(iter(owner))
        raise ApiError(
            "NoSuchEntity",
            f"The {kind} policy with name {call.input['PolicyName']} cannot be found.",
        )
    return inline


def _inline_operations(kind: str, resource, owner_of) -> None:
    """Put, Get, List and Delete ``kind`` (``User`` or ``Group``) inline policies: the same four
    operations for either owner, each asking its own action about the owner's ARN."""
    field = kind.lower()

    def put(call: Call) -> None:
        documents.check(call.input["PolicyDocument"])
        policy_services.inline_policy_put(
            actor=call.user,
            name=call.input["PolicyName"],
            document=call.input["PolicyDocument"],
            request=call.request,
            **{field: owner_of(call)},
        )

    def get(call: Call) -> dict:
        owner = owner_of(call)
        inline = _inline(call, **{field: owner})
        return {
            f"{kind}Name": owner.name,
            "PolicyName": inline.name,
            "PolicyDocument": inline.document,
        }

    def list_names(call: Call) -> dict:
        policies = InlinePolicy.objects.filter(**{field: owner_of(call)})
        return page(call, policies, "name", "PolicyNames", lambda p: p.name)

    def delete(call: Call) -> None:
        inline = _inline(call, **{field: owner_of(call)})
        policy_services.inline_policy_delete(actor=call.user, inline=inline, request=call.request)

    for verb, handler in (("Put", put), ("Get", get), ("List", list_names), ("Delete", delete)):
        name = f"List{kind}Policies" if verb == "List" else f"{verb}{kind}Policy"
        if kind == "User" and verb in ("Put", "Delete"):  # they change the user's permissions
            permission = Permission(
                f"iam:{name}",
                resource,
                context=target_boundary,
                context_doc="the user's `iam:PermissionsBoundary` (when it has one)",
            )
        else:
            permission = Permission(f"iam:{name}", resource)
        operation("iam", name, permission)(handler)


_inline_operations("User", target_user_arn, require_user)  # PutUserPolicy, GetUserPolicy, ...
_inline_operations("Group", group_arn, require_group)  # PutGroupPolicy, GetGroupPolicy, ...
