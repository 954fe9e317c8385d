"""Reads of MFA devices, always through their owner."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils.module_loading import import_string

from identity import rows
from identity.models import User
from mfa.models import MFADevice, RecoveryCode


def user_devices(user: User) -> QuerySet[MFADevice]:
    return (
        MFADevice.objects.filter(user=user, confirmed=True)
        # The serial number and the passkey flags, without a query per device.
        .select_related("hardwaretotpdevice", "webauthncredential")
        .order_by("enabled_at", "pk")
    )


def signin_devices(user: User) -> tuple[list[MFADevice], bool]:
    """``user``'s enabled devices, oldest first, and whether ``user`` has an unused recovery
    code: what the MFA step of signing in shows, asked twice per sign-in (the page, the answer).
    One hand-written query (``identity.rows``); the devices come without their kind's row (the
    step needs their names and kinds; checking a code locks and reads that row)."""
    found = rows.select_with(
        MFADevice,
        '"mfa_mfadevice"."user_id" = %s AND "mfa_mfadevice"."confirmed"',
        [user.pk],
        extra='EXISTS (SELECT 1 FROM "mfa_recoverycode" WHERE "mfa_recoverycode"."user_id" = '
        '"mfa_mfadevice"."user_id" AND "mfa_recoverycode"."used_at" IS NULL)',
        order_by='"mfa_mfadevice"."enabled_at", "mfa_mfadevice"."id"',
    )
    if not found:  # no row to carry the answer: ask on its own
        return [], RecoveryCode.objects.filter(user=user, used_at__isnull=True).exists()
    return [device for device, _extra in found], found[0][1][0]


def user_device_serials(user: User) -> list[tuple[MFADevice, str]]:
    """``user``'s enabled devices, oldest first, each with its serial number as AWS lists it
    (a hardware token's serial, else the device's ARN): one hand-written query
    (``identity.rows``), for ``ListMFADevices`` on the IAM API's hot path."""
    found = rows.select_with(
        MFADevice,
        '"mfa_mfadevice"."user_id" = %s AND "mfa_mfadevice"."confirmed" = %s',
        [user.pk, True],
        extra='"mfa_hardwaretotpdevice"."serial"',
        join='LEFT JOIN "mfa_hardwaretotpdevice" '
        'ON "mfa_hardwaretotpdevice"."mfadevice_ptr_id" = "mfa_mfadevice"."id"',
        order_by='"mfa_mfadevice"."enabled_at", "mfa_mfadevice"."id"',
    )
    return [
        (device, serial if device.kind == MFADevice.Kind.HARDWARE else device.arn)
        for device, (serial,) in found
    ]


def user_device_get(user: User, device_id: int) -> MFADevice:
    """One of ``user``'s enabled devices; 404 for anybody else's."""
    device = MFADevice.objects.filter(user=user, confirmed=True, pk=device_id).first()
    if device is None:
        raise Http404
    return device


def allowed_device_kinds(user: User) -> frozenset[str] | None:
    """The kinds of MFA device ``user`` may use, or None for every kind: an SSO organization may
    allow fewer (``settings.SSO_DEVICE_KINDS`` names ``sso.access``, above this package)."""
    return import_string(settings.SSO_DEVICE_KINDS)(user)
