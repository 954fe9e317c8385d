"""MFA devices of a user: ListMFADevices and ResyncMFADevice, through the console's services.
(Virtual devices' own lifecycle, as AWS's API has it, is ``virtual_mfa``.)"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from identity.authorization import Permission
from mfa.base import selectors as mfa_selectors
from mfa.models import MFADevice, concrete
from mfa.totp import services as totp_services

from ..errors import ApiError
from ..registry import Call, no_paging, operation
from .common import require_user, target_user_arn


def _user_name(user) -> str:
    return user.account_id if user.is_root else user.name


def _serial(call: Call) -> str:
    return call.input["SerialNumber"]


def user_device(call: Call, user) -> MFADevice:
    """The user's enabled device the call's ``SerialNumber`` names (an ARN or a token serial)."""
    serial = _serial(call)
    for device in mfa_selectors.user_devices(user):
        if device.identifier == serial:
            return device
    raise ApiError("NoSuchEntity", f"MFA Device with serial number {serial} does not exist.")


@operation("iam", "ListMFADevices", Permission("iam:ListMFADevices", target_user_arn))
def list_mfa_devices(call: Call) -> dict:
    no_paging(call)
    user = require_user(call)
    return {
        "MFADevices": [
            {
                "UserName": _user_name(user),
                "SerialNumber": serial,
                "EnableDate": d.enabled_at or d.created_at,
            }
            for d, serial in mfa_selectors.user_device_serials(user)
        ],
        "IsTruncated": False,
    }


def code_error(error: ValidationError) -> ApiError:
    codes = {e.code for e in error.error_list} if not hasattr(error, "error_dict") else set()
    if codes & {"invalid", "format", "same", "replayed", "InvalidAuthenticationCode"}:
        return ApiError("InvalidAuthenticationCode", " ".join(error.messages))
    raise error


@operation("iam", "ResyncMFADevice", Permission("iam:ResyncMFADevice", target_user_arn))
def resync_mfa_device(call: Call) -> None:
    user = require_user(call)
    device = user_device(call, user)
    if device.kind == MFADevice.Kind.WEBAUTHN:
        raise ApiError("InvalidInput", "Only TOTP devices can be resynchronized.")
    try:
        totp_services.mfa_device_resync(
            actor=call.user,
            device=concrete(device),
            first_code=call.input["AuthenticationCode1"],
            second_code=call.input["AuthenticationCode2"],
            request=call.request,
        )
    except ValidationError as error:
        raise code_error(error) from None
