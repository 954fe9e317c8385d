"""IAM groups and membership: CreateGroup, GetGroup, ListGroups, ListGroupsForUser, UpdateGroup,
DeleteGroup, AddUserToGroup, RemoveUserFromGroup."""

from __future__ import annotations

from identity import arns, services
from identity.authorization import Permission
from identity.models import Group, User

from ..errors import ApiError
from ..registry import Call, operation, page
from .common import (
    group_arn,
    group_shape,
    named_group,
    named_user,
    no_such_user,
    require_group,
    require_user,
    target_user_arn,
    user_shape,
)


def _any_group(call: Call) -> str:
    return arns.group(call.account.id, "/", "*")


def _new_group_arn(call: Call) -> str:
    return arns.group(call.account.id, call.input.get("Path") or "/", call.input["GroupName"])


@operation("iam", "CreateGroup", Permission("iam:CreateGroup", _new_group_arn))
def create_group(call: Call) -> dict:
    if named_group(call) is not None:
        raise ApiError(
            "EntityAlreadyExists", f"Group with name {call.input['GroupName']} already exists."
        )
    group = services.group_create(
        actor=call.user,
        account=call.account,
        name=call.input["GroupName"],
        path=call.input.get("Path") or "/",
        request=call.request,
    )
    return {"Group": group_shape(group)}


@operation("iam", "GetGroup", Permission("iam:GetGroup", group_arn))
def get_group(call: Call) -> dict:
    group = require_group(call)
    members = User.objects.filter(iam_groups=group)
    result = page(call, members, "name", "Users", user_shape)
    return {"Group": group_shape(group), **result}


@operation("iam", "ListGroups", Permission("iam:ListGroups", _any_group))
def list_groups(call: Call) -> dict:
    groups = Group.objects.filter(account=call.account)
    prefix = call.input.get("PathPrefix")
    if prefix:
        groups = groups.filter(path__startswith=prefix)
    return page(call, groups, "name", "Groups", group_shape)


@operation("iam", "ListGroupsForUser", Permission("iam:ListGroupsForUser", target_user_arn))
def list_groups_for_user(call: Call) -> dict:
    user = require_user(call)
    return page(call, Group.objects.filter(members=user), "name", "Groups", group_shape)


@operation("iam", "UpdateGroup", Permission("iam:UpdateGroup", group_arn))
def update_group(call: Call) -> None:
    group = require_group(call)
    new_name = call.input.get("NewGroupName")
    renamed = new_name is not None and new_name.lower() != group.name.lower()
    if renamed and named_group(call, new_name) is not None:
        raise ApiError("EntityAlreadyExists", f"Group with name {new_name} already exists.")
    services.group_update(
        actor=call.user,
        group=group,
        new_name=call.input.get("NewGroupName"),
        new_path=call.input.get("NewPath"),
        request=call.request,
    )


@operation("iam", "DeleteGroup", Permission("iam:DeleteGroup", group_arn))
def delete_group(call: Call) -> None:
    group = require_group(call)
    for present, what in (
        (group.members.exists(), "users"),
        (group.inline_policies.exists(), "policies"),
        (group.attachments.exists(), "attached policies"),
    ):
        if present:
            raise ApiError("DeleteConflict", f"Cannot delete entity, must remove {what} first.")
    services.group_delete(actor=call.user, group=group, request=call.request)


def _membership(call: Call, member: bool) -> None:
    # Which missing entity is named first, as moto answers: the user when adding, the group
    # when removing. Removing a user who is not a member succeeds, as at AWS.
    group = None if member else require_group(call)
    user = named_user(call, call.input["UserName"])
    if user is None:
        raise no_such_user(call.input["UserName"])
    group = group or require_group(call)
    services.group_member_set(
        actor=call.user, group=group, user=user, member=member, request=call.request
    )


@operation("iam", "AddUserToGroup", Permission("iam:AddUserToGroup", group_arn))
def add_user_to_group(call: Call) -> None:
    _membership(call, True)


@operation("iam", "RemoveUserFromGroup", Permission("iam:RemoveUserFromGroup", group_arn))
def remove_user_from_group(call: Call) -> None:
    _membership(call, False)
