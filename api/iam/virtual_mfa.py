"""Virtual MFA devices as AWS's API has them: created unassigned (CreateVirtualMFADevice returns
the seed and QR code), enabled for a user with two consecutive codes (EnableMFADevice),
deactivated back to unassigned (DeactivateMFADevice), deleted (DeleteVirtualMFADevice)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from identity import arns
from identity.authorization import Permission
from mfa.base import selectors as mfa_selectors
from mfa.models import UnassignedVirtualMFADevice
from mfa.totp import selectors as totp_selectors
from mfa.totp import unassigned

from ..errors import ApiError
from ..registry import Call, marker_decode, marker_encode_within, max_items, operation
from .common import require_user, target_user_arn, user_shape
from .mfa import code_error, user_device


def _serial(call: Call) -> str:
    return call.input["SerialNumber"]


def _any_mfa(call: Call) -> str:
    return arns.mfa_device(call.account.id, "/", "*")


@operation("iam", "ListVirtualMFADevices", Permission("iam:ListVirtualMFADevices", _any_mfa))
def list_virtual_mfa_devices(call: Call) -> dict:
    """A page of the account's devices by serial number. The Marker is where the last page
    ended: the device's path and name (only their start if that is too long for a Marker), its
    table (assigned or not) and id."""
    limit = max_items(call)
    rows = totp_selectors.account_virtual_mfa_devices(
        call.account,
        call.input.get("AssignmentStatus", "Any"),
        limit=limit + 1,
        after=_position(call.input.get("Marker")),
    )
    devices = []
    for row in rows[:limit]:
        device = {"SerialNumber": row.serial_number}
        if row.user is not None:
            device["User"] = user_shape(row.user)
            device["EnableDate"] = row.enable_date
        devices.append(device)
    result = {"VirtualMFADevices": devices, "IsTruncated": len(rows) > limit}
    if len(rows) > limit:
        last = rows[limit - 1].position
        result["Marker"] = marker_encode_within(last.key, last.table, last.pk)
    return result


def _position(marker: str | None) -> totp_selectors.ListPosition | None:
    if not marker:
        return None
    key, table, pk, cut = marker_decode(marker, ints=3)
    if table not in (totp_selectors.ASSIGNED, totp_selectors.UNASSIGNED) or cut not in (0, 1):
        raise ApiError("InvalidParameterValue", "Invalid Marker.")
    return totp_selectors.ListPosition(key, table, pk, key_is_prefix=bool(cut))


def _path(call: Call) -> str:
    return call.input.get("Path") or "/"


def _new_device_arn(call: Call) -> str:
    return arns.mfa_device(call.account.id, _path(call), call.input["VirtualMFADeviceName"])


@operation(
    "iam", "CreateVirtualMFADevice", Permission("iam:CreateVirtualMFADevice", _new_device_arn)
)
def create_virtual_mfa_device(call: Call) -> dict:
    try:
        device, seed = unassigned.unassigned_virtual_mfa_device_create(
            actor=call.user,
            account=call.account,
            name=call.input["VirtualMFADeviceName"],
            path=_path(call),
            request=call.request,
        )
    except ValidationError as error:
        if _code(error) == "EntityAlreadyExists":  # AWS's own sentence
            raise ApiError(
                "EntityAlreadyExists", "MFADevice entity at the same path and name already exists."
            ) from None
        raise
    return {
        "VirtualMFADevice": {
            "SerialNumber": device.arn,
            "Base32StringSeed": totp_selectors.base32_secret(seed).encode("ascii"),
            "QRCodePNG": totp_selectors.virtual_mfa_qr_png(seed, call.account, device.name),
        }
    }


def _code(error: ValidationError) -> str | None:
    return next((e.code for e in getattr(error, "error_list", []) if e.code), None)


def _no_such_device(call: Call) -> ApiError:
    return ApiError(
        "NoSuchEntity", f"VirtualMFADevice with serial number {_serial(call)} doesn't exist."
    )


def _unassigned(call: Call) -> UnassignedVirtualMFADevice:
    try:
        return totp_selectors.unassigned_virtual_mfa_device_get(call.account, _serial(call))
    except ValidationError as error:
        if _code(error) == "NoSuchEntity":
            raise _no_such_device(call) from None
        raise


@operation("iam", "EnableMFADevice", Permission("iam:EnableMFADevice", target_user_arn))
def enable_mfa_device(call: Call) -> None:
    user = require_user(call)
    device = _unassigned(call)
    if call.caller.mfa_authenticated_at is None and mfa_selectors.user_devices(user).exists():
        # The console's rule: someone who holds only a password (here: a long-term key) may
        # register a first device, never add one beside a device they cannot show. Otherwise a
        # stolen key would enrol its own device and get past every MFA condition.
        raise ApiError(
            "AccessDenied",
            f"{user.arn} already has an MFA device: adding another needs session credentials "
            "from sts get-session-token with a code from one of its devices.",
        )
    try:
        unassigned.unassigned_virtual_mfa_device_enable(
            actor=call.user,
            device=device,
            user=user,
            first_code=call.input["AuthenticationCode1"],
            second_code=call.input["AuthenticationCode2"],
            request=call.request,
        )
    except ValidationError as error:
        raise code_error(error) from None


@operation("iam", "DeactivateMFADevice", Permission("iam:DeactivateMFADevice", target_user_arn))
def deactivate_mfa_device(call: Call) -> None:
    user = require_user(call)
    unassigned.mfa_device_deactivate(
        actor=call.user, device=user_device(call, user), request=call.request
    )


@operation("iam", "DeleteVirtualMFADevice", Permission("iam:DeleteVirtualMFADevice", _serial))
def delete_virtual_mfa_device(call: Call) -> None:
    try:
        device = totp_selectors.account_virtual_mfa_device_get(call.account, _serial(call))
    except ValidationError as error:
        if _code(error) == "NoSuchEntity":
            raise _no_such_device(call) from None
        raise
    unassigned.unassigned_virtual_mfa_device_delete(
        actor=call.user, device=device, request=call.request
    )
