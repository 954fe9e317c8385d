"""Access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey,
GetAccessKeyLastUsed. Without ``UserName`` each acts on the caller's own keys, as AWS's do."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from identity.authorization import Permission
from identity.credentials import services
from identity.credentials.models import MAX_ACCESS_KEYS_PER_USER, AccessKey

from ..errors import ApiError
from ..registry import Call, no_paging, operation
from .common import require_user, target_user_arn


def _key_shape(key: AccessKey, user_name: str) -> dict:
    return {
        "UserName": user_name,
        "AccessKeyId": key.access_key_id,
        "Status": key.status,
        "CreateDate": key.created,
    }


def _user_name(user) -> str:
    return user.account_id if user.is_root else user.name


def _named_key(call: Call) -> AccessKey:
    user = require_user(call)
    key = (
        AccessKey.objects.filter(user=user, access_key_id=call.input["AccessKeyId"])
        .select_related("user")
        .first()
    )
    if key is None:
        raise ApiError(
            "NoSuchEntity",
            f"The Access Key with id {call.input['AccessKeyId']} cannot be found.",
        )
    return key


@operation("iam", "CreateAccessKey", Permission("iam:CreateAccessKey", target_user_arn))
def create_access_key(call: Call) -> dict:
    user = require_user(call)
    try:
        key, secret = services.access_key_create(actor=call.user, user=user, request=call.request)
    except ValidationError as error:
        if error.code == "LimitExceeded":  # AWS's words; the console's explain what to do
            raise ApiError(
                "LimitExceeded",
                f"Cannot exceed quota for AccessKeysPerUser: {MAX_ACCESS_KEYS_PER_USER}",
            ) from None
        raise
    return {"AccessKey": {**_key_shape(key, _user_name(user)), "SecretAccessKey": secret}}


@operation("iam", "ListAccessKeys", Permission("iam:ListAccessKeys", target_user_arn))
def list_access_keys(call: Call) -> dict:
    no_paging(call)
    user = require_user(call)
    keys = AccessKey.objects.filter(user=user).order_by("created", "pk")
    return {
        "AccessKeyMetadata": [_key_shape(k, _user_name(user)) for k in keys],
        "IsTruncated": False,
    }


@operation("iam", "UpdateAccessKey", Permission("iam:UpdateAccessKey", target_user_arn))
def update_access_key(call: Call) -> None:
    key = _named_key(call)
    services.access_key_status_set(
        actor=call.user, key=key, status=call.input["Status"], request=call.request
    )


@operation("iam", "DeleteAccessKey", Permission("iam:DeleteAccessKey", target_user_arn))
def delete_access_key(call: Call) -> None:
    services.access_key_delete(actor=call.user, key=_named_key(call), request=call.request)


def _last_used_resource(call: Call) -> str:
    key = _key_by_id(call)
    return key.user.arn if key is not None else call.user.arn


def _key_by_id(call: Call) -> AccessKey | None:
    if "key" not in call.cache:
        call.cache["key"] = (
            AccessKey.objects.filter(account=call.account, access_key_id=call.input["AccessKeyId"])
            .select_related("user")
            .first()
        )
    return call.cache["key"]


@operation(
    "iam", "GetAccessKeyLastUsed", Permission("iam:GetAccessKeyLastUsed", _last_used_resource)
)
def get_access_key_last_used(call: Call) -> dict:
    key = _key_by_id(call)
    if key is None:
        raise ApiError("AccessDenied", "The access key does not exist in this account.")
    used = {"ServiceName": key.last_used_service or "N/A", "Region": key.last_used_region or "N/A"}
    if key.last_used_at:
        used["LastUsedDate"] = key.last_used_at
    return {"UserName": _user_name(key.user), "AccessKeyLastUsed": used}
