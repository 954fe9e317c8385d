"""State changes of TOTP devices (authenticator apps and hardware tokens): create, enable with
two consecutive codes, resynchronize, and the sign-in check of one code. The row is locked while a
code is checked."""

from __future__ import annotations

import base64
import binascii
import enum
import hmac
import logging
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from identity import audit, crypto
from identity.audit_events import Event
from identity.models import User
from mfa.base.services import (
    SETUP_TTL,
    check_room,
    check_room_and_name,
    lock,
    notify_owner,
    save_new,
    serial_taken,
)
from mfa.models import HardwareTOTPDevice, MFADevice, VirtualMFADevice

from . import auth as totp

logger = logging.getLogger(__name__)

ENABLE_WINDOW = 2  # steps either side of now in which two consecutive codes enable a device


RESYNC_WINDOW = 20  # a drifted device is found up to ten minutes either way


SIGNIN_TOLERANCE = 1  # ±1 step at sign-in


@transaction.atomic
def virtual_mfa_device_create(*, user: User, name: str) -> tuple[VirtualMFADevice, bytes]:
    """A pending authenticator-app device with a fresh 160-bit seed; enabled by two codes."""
    check_room_and_name(user, name)
    key = secrets.token_bytes(20)
    device = VirtualMFADevice(
        user=user,
        account_id=user.account_id,
        name=name,
        kind=MFADevice.Kind.VIRTUAL,
        confirmed=False,
    )
    device.set_key(key)
    save_new(device)
    return device, key


def two_codes(first_code: str, second_code: str) -> tuple[str, str]:
    first, second = totp.normalize(first_code), totp.normalize(second_code)
    if first is None or second is None:
        raise ValidationError(_("Enter two 6-digit codes."), code="format")
    if first == second:
        raise ValidationError(
            _("Enter two different codes: wait for the next code before you type it."), code="same"
        )
    return first, second


def mfa_device_enable(
    *, actor: User, device: VirtualMFADevice, first_code: str, second_code: str, request=None
) -> None:
    """Enable a pending TOTP device when ``first_code`` and ``second_code`` are two consecutive codes."""
    first, second = two_codes(first_code, second_code)
    with transaction.atomic():
        device = lock(device)
        if device.confirmed:
            raise ValidationError(_("This device is already enabled."), code="enabled")
        if device.created_at < timezone.now() - SETUP_TTL:
            raise ValidationError(_("This setup has expired. Start again."), code="expired")
        check_room(device.user_id)
        now = totp.current_step()
        step = totp.find_consecutive(
            device.key, first, second, around=now, window=ENABLE_WINDOW, after=device.last_step
        )
        if step is not None:
            device.last_step, device.drift = step, step - now
            device.confirmed, device.enabled_at = True, timezone.now()
            device.save(update_fields=["last_step", "drift", "confirmed", "enabled_at"])
            audit.record(
                Event.ENABLE_MFA_DEVICE,
                actor=actor,
                account_id=device.account_id,
                request=request,
                request_parameters={"userName": device.user.name, "serialNumber": device.arn},
            )
            notify_owner(device, added=True)
            return
    # Recorded outside the transaction above, which the error below would roll back.
    audit.record(
        Event.ENABLE_MFA_DEVICE,
        actor=actor,
        account_id=device.account_id,
        request=request,
        request_parameters={"serialNumber": device.arn},
        error_code="InvalidAuthenticationCode",
        error_message="The codes were not two consecutive codes of this device.",
    )
    raise ValidationError(
        _("The codes are not valid. Enter two consecutive codes from your authenticator app."),
        code="invalid",
    )


def parse_seed(seed: str) -> bytes:
    """A hardware token's seed as its vendor ships it: base32 or hex."""
    text = "".join((seed or "").split()).upper()
    if not text:
        raise ValidationError({"seed": _("Enter the seed.")}, code="required")
    try:
        if all(c in "0123456789ABCDEF" for c in text) and len(text) % 2 == 0 and len(text) >= 32:
            key = bytes.fromhex(text)
        else:
            key = base64.b32decode(text + "=" * (-len(text) % 8))
    except (ValueError, binascii.Error):
        raise ValidationError(
            {"seed": _("The seed must be base32 or hexadecimal.")}, code="format"
        ) from None
    if len(key) < 16:
        raise ValidationError(
            {"seed": _("The seed is too short: at least 128 bits.")}, code="short"
        )
    return key


def hardware_totp_device_enable(
    *,
    actor: User,
    user: User,
    name: str,
    serial: str,
    seed: str,
    first_code: str,
    second_code: str,
    request=None,
) -> HardwareTOTPDevice:
    """Import a hardware token for ``user`` and enable it with two consecutive codes.

    The codes are checked first: only someone holding the seed learns anything
    else (such as whether a serial number is taken, in any organization).
    Every refusal is audited.
    """
    params = {"userName": user.name, "serialNumber": serial}
    try:
        first, second = two_codes(first_code, second_code)
        key = parse_seed(seed)
        now = totp.current_step()
        step = totp.find_consecutive(key, first, second, around=now, window=ENABLE_WINDOW, after=-1)
        if step is None:
            raise ValidationError(
                _("The codes are not valid. Enter two consecutive codes from the token."),
                code="InvalidAuthenticationCode",
            )
        with transaction.atomic():
            check_room_and_name(user, name)
            if HardwareTOTPDevice.objects.filter(serial=serial).exists():
                raise serial_taken()
            device = HardwareTOTPDevice(
                user=user,
                account_id=user.account_id,
                name=name,
                kind=MFADevice.Kind.HARDWARE,
                serial=serial,
                confirmed=True,
                enabled_at=timezone.now(),
                last_step=step,
                drift=step - now,
            )
            device.set_key(key)
            save_new(device)
            audit.record(
                Event.ENABLE_MFA_DEVICE,
                actor=actor,
                account_id=user.account_id,
                request=request,
                request_parameters=params,
            )
            notify_owner(device, added=True)
            return device
    except ValidationError as error:
        audit.record(
            Event.ENABLE_MFA_DEVICE,
            actor=actor,
            account_id=user.account_id,
            request=request,
            request_parameters=params,
            error_code=_first_code(error),
            error_message="The hardware token was not imported.",
        )
        raise


def _first_code(error: ValidationError) -> str:
    errors = (
        [e for field_errors in error.error_dict.values() for e in field_errors]
        if hasattr(error, "error_dict")
        else error.error_list
    )
    return next((e.code for e in errors if e.code), "ValidationError")


@transaction.atomic
def mfa_device_resync(
    *, actor: User, device, first_code: str, second_code: str, request=None
) -> None:
    """Learn a drifted device's clock again from two consecutive codes."""
    first, second = two_codes(first_code, second_code)
    device = lock(device)
    now = totp.current_step()
    step = totp.find_consecutive(
        device.key, first, second, around=now, window=RESYNC_WINDOW, after=device.last_step
    )
    if step is None:
        # Two consecutive codes of the device, but not newer than its last used one: whoever
        # typed them has the device (that is what "already used" tells), so say what to do.
        used = totp.find_consecutive(
            device.key, first, second, around=now, window=RESYNC_WINDOW, after=-1
        )
        if used is not None:
            raise ValidationError(
                _(
                    "These codes were already used. Wait for your device to show the next code, "
                    "then enter two new consecutive codes."
                ),
                code="replayed",
            )
        raise ValidationError(
            _("The codes are not valid. Enter two consecutive codes from the device."),
            code="invalid",
        )
    device.last_step, device.drift = step, step - now
    device.save(update_fields=["last_step", "drift"])
    audit.record(
        Event.RESYNC_MFA_DEVICE,
        actor=actor,
        account_id=device.account_id,
        request=request,
        request_parameters={"serialNumber": device.arn},
    )


class CodeOutcome(enum.Enum):
    ACCEPTED = "accepted"
    REFUSED = "refused"  # wrong, too old, malformed, or within the back-off
    REPLAYED = "replayed"  # the device's last used code, again: wait for the next one


def mfa_device_verify(*, device, code: str) -> bool:
    """Whether ``code`` signs in with ``device`` (see ``mfa_device_check``)."""
    return mfa_device_check(device=device, code=code) is CodeOutcome.ACCEPTED


def mfa_device_check(*, device, code: str) -> CodeOutcome:
    """Sign-in check of one code: ±1 step around the device's clock, never a step used before.

    The row is locked for the check, so two requests cannot both spend one
    code or both slip past the throttle; the throttle's exponential back-off
    lives on the row, shared by every web process.

    A refused code that is exactly the device's last used one, still inside the window,
    is ``REPLAYED``: someone who can type it has just seen it on the device, so telling
    them to wait for the next code teaches an attacker nothing. It counts as a failure
    all the same, and within the back-off nothing is told apart.
    """
    with transaction.atomic():
        device = lock(device)
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            return CodeOutcome.REFUSED
        normalized = totp.normalize(code)
        step = None
        replayed = False
        try:
            key = device.key
        except crypto.DecryptionError:
            # Fail closed, loudly: the keys in FIELD_ENCRYPTION_KEYS do not match the ones that
            # encrypted this seed (a rotation gone wrong, or another SECRET_KEY in the embedded default).
            logger.error("cannot decrypt the seed of MFA device %s", device.pk)
            return CodeOutcome.REFUSED
        if normalized is not None:
            around = totp.current_step() + device.drift
            step = totp.find_step(
                key,
                normalized,
                around=around,
                tolerance=SIGNIN_TOLERANCE,
                after=device.last_step,
            )
            replayed = abs(device.last_step - around) <= SIGNIN_TOLERANCE and hmac.compare_digest(
                totp.code_at(key, device.last_step), normalized
            )
        if step is None:
            device.throttle_increment(commit=False)
            device.save(update_fields=["throttling_failure_timestamp", "throttling_failure_count"])
            return CodeOutcome.REPLAYED if replayed else CodeOutcome.REFUSED
        device.last_step = step
        device.throttle_reset(commit=False)
        device.set_last_used_timestamp(commit=False)
        device.save(
            update_fields=[
                "last_step",
                "throttling_failure_timestamp",
                "throttling_failure_count",
                "last_used_at",
            ]
        )
        return CodeOutcome.ACCEPTED
