"""What IAM operations share: finding the user, group or policy a call names (cached on the
call, so the permission's resource and the handler look it up once), and their AWS shapes."""

from __future__ import annotations

from identity import arns, selectors
from identity.models import Group, User

from ..errors import ApiError
from ..registry import Call


def no_such_user(name: str) -> ApiError:
    return ApiError("NoSuchEntity", f"The user with name {name} cannot be found.")


def named_user(call: Call, name: str) -> User | None:
    key = ("user", name.lower())
    if key not in call.cache:
        call.cache[key] = selectors.iam_user_by_name(call.account, name)
    return call.cache[key]


def target_user(call: Call) -> User | None:
    """The user ``UserName`` names, or the caller when the operation allows leaving it out."""
    name = call.input.get("UserName")
    if name is None:
        return call.user
    return named_user(call, name)


def target_user_arn(call: Call) -> str:
    """The resource of a user operation: the user's ARN (with its path) if it exists."""
    user = target_user(call)
    if user is not None:
        return user.arn
    return arns.user(call.account.id, "/", call.input["UserName"])


def target_boundary(call: Call) -> dict:
    """``iam:PermissionsBoundary``: the boundary the target user has, when it has one (AWS sets
    it for the actions that change a user's permissions: attach, detach, put and delete)."""
    user = target_user(call)
    boundary = getattr(user, "permissions_boundary", "") if user is not None else ""
    return {"iam:PermissionsBoundary": boundary} if boundary else {}


def require_user(call: Call) -> User:
    user = target_user(call)
    if user is None:
        raise no_such_user(call.input["UserName"])
    return user


def named_group(call: Call, name: str | None = None) -> Group | None:
    name = name if name is not None else call.input["GroupName"]
    key = ("group", name.lower())
    if key not in call.cache:
        call.cache[key] = Group.objects.filter(
            account=call.account, name__lower=name.lower()
        ).first()
    return call.cache[key]


def group_arn(call: Call) -> str:
    group = named_group(call)
    return (
        group.arn
        if group is not None
        else arns.group(call.account.id, "/", call.input["GroupName"])
    )


def require_group(call: Call) -> Group:
    group = named_group(call)
    if group is None:
        raise ApiError(
            "NoSuchEntity", f"The group with name {call.input['GroupName']} cannot be found."
        )
    return group


def any_user(call: Call) -> str:
    return arns.user(call.account.id, "/", "*")


def tags_from_input(call: Call) -> dict[str, str]:
    """The call's ``Tags``, key to value; AWS refuses keys that differ only in case."""
    tags: dict[str, str] = {}
    for tag in call.input.get("Tags") or []:
        if tag["Key"].lower() in {k.lower() for k in tags}:
            raise ApiError(
                "InvalidInput",
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            )
        tags[tag["Key"]] = tag.get("Value", "")
    return tags


def user_shape(user: User, tags: list | None = None) -> dict:
    shape = {
        "Path": user.path if not user.is_root else "/",
        "UserName": user.name if not user.is_root else user.account_id,
        "UserId": user.unique_id if not user.is_root else user.account_id,
        "Arn": user.arn,
        "CreateDate": user.created,
    }
    if user.password_last_used:
        shape["PasswordLastUsed"] = user.password_last_used
    boundary = getattr(user, "permissions_boundary", "")  # a listing has none: ListUsers omits it
    if boundary:
        shape["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
            "PermissionsBoundaryArn": boundary,
        }
    if tags:
        shape["Tags"] = tags
    return shape


def group_shape(group: Group) -> dict:
    return {
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.unique_id,
        "Arn": group.arn,
        "CreateDate": group.created,
    }
