"""What an authenticator app needs to be set up (the secret, its otpauth URI, the QR code), and the
reads of virtual MFA devices as the IAM API lists them: assigned to a user or not."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

import segno
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from identity import arns
from identity.models import Account, User
from mfa.base.services import unassigned_expired
from mfa.models import MFADevice, TOTPSecret, UnassignedVirtualMFADevice, VirtualMFADevice

ISSUER = "Tobira"


def user_pending_virtual_device(user: User, device_id: int) -> VirtualMFADevice:
    device = VirtualMFADevice.objects.filter(user=user, pk=device_id, confirmed=False).first()
    if device is None:
        raise Http404
    return device


def base32_secret(key: bytes) -> str:
    return base64.b32encode(key).decode("ascii").rstrip("=")


def otpauth_uri(key: bytes, account: Account, label: str) -> str:
    """``otpauth://totp/Tobira:LABEL@ACCOUNT?secret=...&issuer=Tobira`` (Google's Key Uri
    Format), ACCOUNT being the account's alias or id: what the app shows beside the codes."""
    who = quote(f"{ISSUER}:{label}@{account.signin_identifier}", safe=":@")
    query = urlencode(
        {
            "secret": base32_secret(key),
            "issuer": ISSUER,
            "algorithm": "SHA1",
            "digits": 6,
            "period": 30,
        }
    )
    return f"otpauth://totp/{who}?{query}"


def provisioning_uri(user: User, device: MFADevice, key: bytes) -> str:
    """The console's URI: the label is the root user's email or the IAM user's name."""
    return otpauth_uri(key, user.account, user.email if user.is_root else user.name)


def provisioning_qr_svg(user: User, device: MFADevice, key: bytes) -> str:
    """The QR code as inline SVG (no image libraries, no request for an image).

    A ``viewBox`` and no fixed size, so the stylesheet can scale the whole code (a fixed
    ``width``/``height`` let CSS crop it, cutting off finder patterns); the quiet zone of four
    modules and the light background that readers need.
    """
    code = segno.make(provisioning_uri(user, device, key), error="m")
    return code.svg_inline(border=4, omitsize=True, light="#fff", dark="#000")


def virtual_mfa_qr_png(device_or_seed: TOTPSecret | bytes, account: Account, label: str) -> bytes:
    """The QR code as a PNG (``CreateVirtualMFADevice``'s ``QRCodePNG``): the same otpauth URI as
    the console's, with ``label`` where the console puts the user (AWS puts the device's name).
    ``base32_secret`` gives the seed as ``Base32StringSeed``."""
    key = device_or_seed if isinstance(device_or_seed, bytes) else device_or_seed.key
    image = io.BytesIO()
    segno.make(otpauth_uri(key, account, label), error="m").save(
        image, kind="png", scale=4, border=4
    )
    return image.getvalue()


# --- Virtual MFA devices as the IAM API lists them (ListVirtualMFADevices) -----------------

ASSIGNMENT_STATUSES = ("Any", "Assigned", "Unassigned")


@dataclass(frozen=True)
class VirtualMFADeviceRow:
    """One virtual MFA device of an account: its serial number (the ARN), the user it is
    enabled for and since when (None for an unassigned one), and the row itself."""

    serial_number: str
    user: User | None
    enable_date: datetime | None
    device: VirtualMFADevice | UnassignedVirtualMFADevice


def account_virtual_mfa_devices(
    account: Account, assignment_status: str = "Any"
) -> list[VirtualMFADeviceRow]:
    """The account's virtual MFA devices, by serial number (two queries whatever their number).

    Assigned: enabled for an IAM user or the root user (SSO users' devices belong to the access
    portal, not to the account's IAM). Unassigned: created through the API and not enabled yet
    (until they expire, as a console setup does), or deactivated from their user. A console setup
    still waiting for its two codes is neither, as in AWS's console until it is enabled.
    """
    if assignment_status not in ASSIGNMENT_STATUSES:
        raise ValidationError(
            _("The assignment status is Any, Assigned or Unassigned."), "ValidationError"
        )
    rows = []
    if assignment_status in ("Any", "Assigned"):
        assigned = (
            VirtualMFADevice.objects.filter(account=account, confirmed=True)
            .exclude(user__kind=User.Kind.SSO)
            .select_related("user")
        )
        rows += [VirtualMFADeviceRow(d.arn, d.user, d.enabled_at, d) for d in assigned]
    if assignment_status in ("Any", "Unassigned"):
        unassigned = UnassignedVirtualMFADevice.objects.filter(account=account).exclude(
            unassigned_expired()
        )
        rows += [VirtualMFADeviceRow(d.arn, None, None, d) for d in unassigned]
    return sorted(rows, key=lambda row: row.serial_number)


def _path_and_name_in(account: Account, serial_number: str) -> dict[str, str]:
    """The device path and name a serial number (ARN) of ``account`` names, as filters;
    NoSuchEntity for any other."""
    parsed = arns.mfa_device_path_and_name(account.id, serial_number)
    if parsed is None:
        raise _no_such_device(serial_number)
    path, name = parsed
    return {"path": path, "name": name}


def _no_such_device(serial_number: str) -> ValidationError:
    return ValidationError(
        _("The virtual MFA device %(serial)s does not exist.") % {"serial": serial_number[:1100]},
        "NoSuchEntity",
    )


def unassigned_virtual_mfa_device_get(
    account: Account, serial_number: str
) -> UnassignedVirtualMFADevice:
    """The account's unassigned virtual device with this serial number (ARN); NoSuchEntity for
    anything else: another account's, an assigned one, an expired one."""
    device = (
        UnassignedVirtualMFADevice.objects.filter(
            account=account, **_path_and_name_in(account, serial_number)
        )
        .exclude(unassigned_expired())
        .first()
    )
    if device is None:
        raise _no_such_device(serial_number)
    return device


def account_virtual_mfa_device_get(
    account: Account, serial_number: str
) -> VirtualMFADevice | UnassignedVirtualMFADevice:
    """The account's virtual device with this serial number, assigned (enabled for a user) or
    not: what ``DeleteVirtualMFADevice`` looks up, to refuse an assigned one with DeleteConflict
    rather than pretend it does not exist. NoSuchEntity otherwise."""
    assigned = (
        VirtualMFADevice.objects.filter(
            account=account, confirmed=True, **_path_and_name_in(account, serial_number)
        )
        .exclude(user__kind=User.Kind.SSO)
        .select_related("user")
        .first()
    )
    return assigned or unassigned_virtual_mfa_device_get(account, serial_number)
