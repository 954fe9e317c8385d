"""What an authenticator app needs to be set up: the secret, its otpauth URI and the QR code."""

from __future__ import annotations

import base64
from urllib.parse import quote, urlencode

import segno
from django.http import Http404

from identity.models import User
from mfa.models import MFADevice, VirtualMFADevice

ISSUER = "Tobira"


def user_pending_virtual_device(user: User, device_id: int) -> VirtualMFADevice:
    device = VirtualMFADevice.objects.filter(user=user, pk=device_id, confirmed=False).first()
    if device is None:
        raise Http404
    return device


def base32_secret(key: bytes) -> str:
    return base64.b32encode(key).decode("ascii").rstrip("=")


def provisioning_uri(user: User, device: MFADevice, key: bytes) -> str:
    """``otpauth://totp/Tobira:LABEL?secret=...&issuer=Tobira`` (Google's Key Uri Format)."""
    who = user.email if user.is_root else user.name
    label = quote(f"{ISSUER}:{who}@{user.account.signin_identifier}", safe=":@")
    query = urlencode(
        {
            "secret": base32_secret(key),
            "issuer": ISSUER,
            "algorithm": "SHA1",
            "digits": 6,
            "period": 30,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def provisioning_qr_svg(user: User, device: MFADevice, key: bytes) -> str:
    """The QR code as inline SVG (no image libraries, no request for an image).

    A ``viewBox`` and no fixed size, so the stylesheet can scale the whole code (a fixed
    ``width``/``height`` let CSS crop it, cutting off finder patterns); the quiet zone of four
    modules and the light background that readers need.
    """
    code = segno.make(provisioning_uri(user, device, key), error="m")
    return code.svg_inline(border=4, omitsize=True, light="#fff", dark="#000")
