"""STS ``GetSessionToken``: temporary credentials, MFA-backed when a code is given.

The code goes through the console's own path: the device's row (``mfa_device_check``: ±1 step,
never a step used before, the device's back-off) and the per-user ``mfa_failed`` limit, so a
code spent in the console is refused here and the other way round.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from identity import arns, audit, crypto, ids, ratelimit
from identity.audit_events import Event
from identity.credentials.models import SessionCredential
from mfa.models import HardwareTOTPDevice, MFADevice, VirtualMFADevice
from mfa.totp import services as totp_services

from .auth import Caller
from .errors import ApiError

DEFAULT_DURATION = {"user": 43200, "root": 3600}
ROOT_MAX_DURATION = 3600
MFA_FAILED = "MultiFactorAuthentication failed with invalid MFA one time pass code."


def _device(caller: Caller, serial: str) -> MFADevice | None:
    """The caller's enabled TOTP device named by ``serial`` (an ARN, or a hardware serial)."""
    user = caller.user
    if serial.startswith("arn:"):
        parsed = arns.mfa_device_path_and_name(user.account_id, serial)
        if parsed is None:
            return None
        path, name = parsed
        return VirtualMFADevice.objects.filter(
            user=user, confirmed=True, path=path, name=name
        ).first()
    return HardwareTOTPDevice.objects.filter(user=user, confirmed=True, serial=serial).first()


def _check_code(request, caller: Caller, serial: str, code: str) -> None:
    user = caller.user
    user_key = f"user:{user.pk}"  # the console's MFA step counts under the same key
    if not ratelimit.attempt("mfa_failed", request=request, user_key=user_key).allowed:
        _refused(request, caller, serial, "Too many MFA attempts.")
        raise ApiError(
            "AccessDenied",
            "MultiFactorAuthentication failed: too many attempts. Wait, then try again.",
        )
    device = _device(caller, serial)
    outcome = (
        totp_services.mfa_device_check(device=device, code=code)
        if device is not None
        else totp_services.CodeOutcome.REFUSED
    )
    if outcome is not totp_services.CodeOutcome.ACCEPTED:
        reason = (
            "The MFA code was already used."
            if outcome is totp_services.CodeOutcome.REPLAYED
            else "The MFA code was not valid."
        )
        _refused(request, caller, serial, reason)
        raise ApiError("AccessDenied", MFA_FAILED)
    ratelimit.take_back("mfa_failed", request=request, user_key=user_key)


def _refused(request, caller: Caller, serial: str, message: str) -> None:
    audit.record(
        Event.GET_SESSION_TOKEN,
        request=request,
        actor=caller.user,
        request_parameters={"serialNumber": serial, "accessKeyId": caller.access_key_id},
        error_code="AccessDenied",
        error_message=message,
    )


def session_token_get(
    request, caller: Caller, *, duration: int | None, serial: str | None, code: str | None
) -> tuple[SessionCredential, str, str]:
    """New session credentials of the caller: ``(credential, secret, session token)``."""
    if caller.session is not None:
        raise ApiError("AccessDenied", "Cannot call GetSessionToken with session credentials")
    user = caller.user
    if duration is None:
        duration = DEFAULT_DURATION["root" if user.is_root else "user"]
    if user.is_root and duration > ROOT_MAX_DURATION:
        raise ApiError(
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for root users.",
        )
    if bool(serial) != bool(code):
        raise ApiError(
            "ValidationError", "SerialNumber and TokenCode must be given together, or neither."
        )
    mfa_at = None
    if serial:
        _check_code(request, caller, serial, code)
        mfa_at = timezone.now()
    secret = ids.new_secret_access_key()
    token = base64.b64encode(secrets.token_bytes(144)).decode("ascii")
    now = timezone.now()
    with transaction.atomic():
        SessionCredential.objects.filter(user=user, expires_at__lte=now).delete()
        credential = SessionCredential.objects.create(
            access_key_id=ids.new_access_key_id(temporary=True),
            user=user,
            account_id=user.account_id,
            parent=caller.key,
            secret_encrypted=crypto.encrypt(secret.encode("ascii")),
            token_sha256=hashlib.sha256(token.encode("ascii")).hexdigest(),
            mfa_serial=serial or "",
            mfa_authenticated_at=mfa_at,
            created=now,
            expires_at=now + timedelta(seconds=duration),
        )
        audit.record(
            Event.GET_SESSION_TOKEN,
            request=request,
            actor=user,
            request_parameters={
                "durationSeconds": duration,
                "serialNumber": serial or None,
                "accessKeyId": caller.access_key_id,
            },
            # Flat, not CloudTrail's {"credentials": {...}}: the trail's scrubber drops every
            # key named like a secret, "credentials" included, and the key id with it.
            response_elements={
                "accessKeyId": credential.access_key_id,
                "expiration": credential.expires_at.isoformat(),
            },
            additional_event_data={"MFAUsed": "Yes" if mfa_at else "No"},
        )
    return credential, secret, token
