"""IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser, and their tags."""

from __future__ import annotations

from django.db import transaction

from identity import arns, selectors, services
from identity.authorization import Permission
from identity.models import User, UserTag
from mfa.models import MFADevice

from ..errors import ApiError
from ..registry import Call, keyset_page, operation, page
from .common import (
    any_user,
    named_user,
    require_user,
    tags_from_input,
    target_boundary,
    target_user_arn,
    user_shape,
)


def _new_user_arn(call: Call) -> str:
    return arns.user(call.account.id, call.input.get("Path") or "/", call.input["UserName"])


def _requested_boundary(call: Call) -> dict:
    """``iam:PermissionsBoundary``: the boundary the call sets, when it sets one."""
    boundary = call.input.get("PermissionsBoundary")
    return {"iam:PermissionsBoundary": boundary} if boundary else {}


@operation(
    "iam",
    "CreateUser",
    Permission(
        "iam:CreateUser",
        _new_user_arn,
        context=_requested_boundary,
        context_doc="`iam:PermissionsBoundary` (when one is given)",
    ),
)
def create_user(call: Call) -> dict:
    tags = tags_from_input(call)
    if named_user(call, call.input["UserName"]) is not None:
        raise ApiError(
            "EntityAlreadyExists", f"User with name {call.input['UserName']} already exists."
        )
    with transaction.atomic():  # a tag refused leaves no user behind
        user = services.iam_user_create(
            actor=call.user,
            account=call.account,
            name=call.input["UserName"],
            path=call.input.get("Path") or "/",
            permissions_boundary=call.input.get("PermissionsBoundary") or "",
            request=call.request,
        )
        if tags:
            services.user_tags_set(actor=call.user, user=user, tags=tags, request=call.request)
    return {"User": user_shape(user, [{"Key": k, "Value": v} for k, v in tags.items()])}


def _user_and_tags_arn(call: Call) -> str:
    """GetUser's resource, looking up the user and its tags in one query (the handler's)."""
    name = call.input.get("UserName")
    if name is not None and ("user", name.lower()) not in call.cache:
        user, tags = selectors.iam_user_with_tags(call.account, name)
        call.cache[("user", name.lower())] = user
        call.cache[("tags", name.lower())] = tags
    return target_user_arn(call)


@operation(
    "iam",
    "GetUser",
    Permission(
        "iam:GetUser",
        _user_and_tags_arn,
        resource_doc="the user named by `UserName` (the caller without it)",
    ),
)
def get_user(call: Call) -> dict:
    name = call.input.get("UserName")
    if name is not None:
        user, tags = require_user(call), call.cache.get(("tags", name.lower()))
    else:
        # The caller as its row is now: the signing key's cached copy may predate a sign-in
        # (PasswordLastUsed), whose stamp moves no generation (identity.generation).
        user, tags = selectors.user_now(call.user), None
    if tags is None:
        tags = selectors.user_tags(user)
    return {"User": user_shape(user, [{"Key": k, "Value": v} for k, v in tags])}


@operation("iam", "ListUsers", Permission("iam:ListUsers", any_user))
def list_users(call: Call) -> dict:
    def fetch(after, limit):
        return selectors.iam_users_page(
            call.account, path_prefix=call.input.get("PathPrefix") or "", after=after, limit=limit
        )

    return keyset_page(call, fetch, "name", "Users", user_shape)


@operation("iam", "UpdateUser", Permission("iam:UpdateUser", target_user_arn))
def update_user(call: Call) -> None:
    user = require_user(call)
    new_name, new_path = call.input.get("NewUserName"), call.input.get("NewPath")
    if new_name is not None or new_path is not None:
        # As AWS: the rename must be allowed on the new ARN too, or a user allowed to update
        # only themselves could move into a path or name that other policies trust.
        call.require(
            "iam:UpdateUser",
            arns.user(call.account.id, new_path or user.path, new_name or user.name),
        )
    services.iam_user_update(
        actor=call.user,
        user=user,
        new_name=call.input.get("NewUserName"),
        new_path=call.input.get("NewPath"),
        request=call.request,
    )


def _delete_conflict(user: User) -> str | None:
    """What AWS makes you remove before it deletes a user, if anything is left."""
    checks = (
        (user.access_keys.exists(), "access keys"),
        (user.ssh_public_keys.exists(), "SSH public keys"),
        (user.signing_certificates.exists(), "signing certificates"),
        (user.has_usable_password(), "login profile"),
        (user.iam_groups.exists(), "group memberships"),
        (user.inline_policies.exists(), "policies"),
        (user.attachments.exists(), "attached policies"),
        (MFADevice.objects.filter(user=user, confirmed=True).exists(), "MFA devices"),
    )
    for present, what in checks:
        if present:
            return what
    return None


@operation("iam", "DeleteUser", Permission("iam:DeleteUser", target_user_arn))
def delete_user(call: Call) -> None:
    user = require_user(call)
    if user.is_root or call.input.get("UserName") is None:
        raise ApiError("InvalidInput", "Name the IAM user to delete with UserName.")
    conflict = _delete_conflict(user)
    if conflict:
        raise ApiError("DeleteConflict", f"Cannot delete entity, must remove {conflict} first.")
    services.iam_user_delete(actor=call.user, user=user, request=call.request)


@operation("iam", "TagUser", Permission("iam:TagUser", target_user_arn))
def tag_user(call: Call) -> None:
    user = require_user(call)
    services.user_tags_set(
        actor=call.user, user=user, tags=tags_from_input(call), request=call.request
    )


@operation("iam", "UntagUser", Permission("iam:UntagUser", target_user_arn))
def untag_user(call: Call) -> None:
    user = require_user(call)
    services.user_tags_remove(
        actor=call.user, user=user, keys=call.input["TagKeys"], request=call.request
    )


@operation("iam", "ListUserTags", Permission("iam:ListUserTags", target_user_arn))
def list_user_tags(call: Call) -> dict:
    user = require_user(call)
    tags = UserTag.objects.filter(user=user)
    return page(call, tags, "id", "Tags", lambda t: {"Key": t.key, "Value": t.value})


@operation(
    "iam",
    "PutUserPermissionsBoundary",
    Permission(
        "iam:PutUserPermissionsBoundary",
        target_user_arn,
        resource_doc="the user named by `UserName`",
        context=_requested_boundary,
        context_doc="`iam:PermissionsBoundary` (the one given)",
    ),
)
def put_user_permissions_boundary(call: Call) -> None:
    services.user_permissions_boundary_put(
        actor=call.user,
        user=require_user(call),
        policy_arn=call.input["PermissionsBoundary"],
        request=call.request,
    )


@operation(
    "iam",
    "DeleteUserPermissionsBoundary",
    Permission(
        "iam:DeleteUserPermissionsBoundary",
        target_user_arn,
        resource_doc="the user named by `UserName`",
        # The boundary being removed, as AWS sets it: a Deny conditioned on it must hold.
        context=target_boundary,
        context_doc="the user's `iam:PermissionsBoundary` (when it has one)",
    ),
)
def delete_user_permissions_boundary(call: Call) -> None:
    services.user_permissions_boundary_delete(
        actor=call.user, user=require_user(call), request=call.request
    )
