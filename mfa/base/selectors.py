"""Reads of MFA devices, always through their owner."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils.module_loading import import_string

from identity.models import User
from mfa.models import MFADevice


def user_devices(user: User) -> QuerySet[MFADevice]:
    return (
        MFADevice.objects.filter(user=user, confirmed=True)
        # The serial number and the passkey flags, without a query per device.
        .select_related("hardwaretotpdevice", "webauthncredential")
        .order_by("enabled_at", "pk")
    )


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
