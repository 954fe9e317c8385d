"""State changes of MFA devices. Atomic, audited; the device row is locked while a code is checked.

Views for these arrive with the rest of the MFA issue; the services and their
tests come first so every page calls the same rules.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hmac
import logging
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from identity import audit, crypto
from identity.models import User
from identity.queue import enqueue_on_commit

from . import enforcement, totp
from .models import (
    MAX_DEVICES_PER_USER,
    HardwareTOTPDevice,
    MFADevice,
    VirtualMFADevice,
    concrete_model,
)

logger = logging.getLogger(__name__)

SETUP_TTL = timedelta(minutes=15)  # an abandoned authenticator-app setup expires
ENABLE_WINDOW = 2  # steps either side of now in which two consecutive codes enable a device
RESYNC_WINDOW = 20  # a drifted device is found up to ten minutes either way
SIGNIN_TOLERANCE = 1  # ±1 step at sign-in


def _purge_expired_setups(account_id: str) -> None:
    MFADevice.objects.filter(
        account_id=account_id, confirmed=False, created_at__lt=timezone.now() - SETUP_TTL
    ).delete()


def audit_device_event(event_name: str, *, actor, account_id: str, request, **fields) -> None:
    """One IAM audit event about an MFA device."""
    audit.record(
        event_name=event_name,
        event_source=audit.SOURCE_IAM,
        request=request,
        actor=actor,
        account_id=account_id,
        **fields,
    )


def notify_owner(device: MFADevice, *, added: bool) -> None:
    from accounts import tasks  # tasks import the notifications, which import models: keep it lazy

    enqueue_on_commit(
        tasks.send_mfa_device_notification,
        device.user_id,
        device.arn,
        added,
        timezone.now().isoformat(),
        translation.get_language() or "en",
    )


def _check_room(user) -> None:
    """At most eight enabled devices per user, of every kind together (as AWS)."""
    if MFADevice.objects.filter(user=user, confirmed=True).count() >= MAX_DEVICES_PER_USER:
        raise ValidationError(
            _("You can have at most %(max)d MFA devices. Remove one before you add another.")
            % {"max": MAX_DEVICES_PER_USER},
            code="too_many_devices",
        )


def check_room_and_name(user: User, name: str) -> None:
    """Room for one more device, and ``name`` (when given) free in the account."""
    _purge_expired_setups(user.account_id)
    _check_room(user)
    if name and MFADevice.objects.filter(account_id=user.account_id, name__iexact=name).exists():
        raise ValidationError(
            {
                "name": ValidationError(
                    _("An MFA device with this name already exists in this account."),
                    code="duplicate",
                )
            }
        )


def save_new(device: MFADevice, *, exclude: tuple[str, ...] = ("seed_encrypted",)) -> None:
    """Insert a new device after its field checks; a duplicate name is a form error."""
    device.full_clean(exclude=["user", "account", *exclude])
    try:
        with transaction.atomic():
            device.save(force_insert=True)
    except IntegrityError as error:  # the same name or serial, created at the same moment
        if "serial" in str(error):
            raise _serial_taken() from None
        raise ValidationError(
            {
                "name": ValidationError(
                    _("An MFA device with this name already exists in this account."),
                    code="duplicate",
                )
            }
        ) from None


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


def _two_codes(first_code: str, second_code: str) -> tuple[str, str]:
    first, second = totp.normalize(first_code), totp.normalize(second_code)
    if first is None or second is None:
        raise ValidationError(_("Enter two 6-digit codes."), code="format")
    if first == second:
        raise ValidationError(
            _("Enter two different codes: wait for the next code before you type it."), code="same"
        )
    return first, second


def _lock(device: MFADevice):
    """The device's kind-specific row, locked until the transaction ends (one query)."""
    return concrete_model(device.kind).objects.select_for_update().get(pk=device.pk)


def mfa_device_enable(
    *, actor: User, device: VirtualMFADevice, first_code: str, second_code: str, request=None
) -> None:
    """Enable a pending TOTP device when ``first_code`` and ``second_code`` are two consecutive codes."""
    first, second = _two_codes(first_code, second_code)
    with transaction.atomic():
        device = _lock(device)
        if device.confirmed:
            raise ValidationError(_("This device is already enabled."), code="enabled")
        if device.created_at < timezone.now() - SETUP_TTL:
            raise ValidationError(_("This setup has expired. Start again."), code="expired")
        _check_room(device.user_id)
        now = totp.current_step()
        step = totp.find_consecutive(
            device.key, first, second, around=now, window=ENABLE_WINDOW, after=device.last_step
        )
        if step is not None:
            device.last_step, device.drift = step, step - now
            device.confirmed, device.enabled_at = True, timezone.now()
            device.save(update_fields=["last_step", "drift", "confirmed", "enabled_at"])
            audit_device_event(
                "EnableMFADevice",
                actor=actor,
                account_id=device.account_id,
                request=request,
                request_parameters={"userName": device.user.name, "serialNumber": device.arn},
            )
            notify_owner(device, added=True)
            return
    # Recorded outside the transaction above, which the error below would roll back.
    audit_device_event(
        "EnableMFADevice",
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
        first, second = _two_codes(first_code, second_code)
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
                raise _serial_taken()
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
            audit_device_event(
                "EnableMFADevice",
                actor=actor,
                account_id=user.account_id,
                request=request,
                request_parameters=params,
            )
            notify_owner(device, added=True)
            return device
    except ValidationError as error:
        audit_device_event(
            "EnableMFADevice",
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


def _serial_taken() -> ValidationError:
    return ValidationError(
        {
            "serial": ValidationError(
                _("A token with this serial number is already assigned."), code="duplicate"
            )
        }
    )


@transaction.atomic
def mfa_device_resync(
    *, actor: User, device, first_code: str, second_code: str, request=None
) -> None:
    """Learn a drifted device's clock again from two consecutive codes."""
    first, second = _two_codes(first_code, second_code)
    device = _lock(device)
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
    audit_device_event(
        "ResyncMFADevice",
        actor=actor,
        account_id=device.account_id,
        request=request,
        request_parameters={"serialNumber": device.arn},
    )


@transaction.atomic
def mfa_device_delete(*, actor: User, device: MFADevice, request=None) -> None:
    """Deactivate and delete a device; its owner is told by email."""
    device = MFADevice.objects.select_for_update().get(pk=device.pk)
    arn, account_id, owner = device.arn, device.account_id, device.user
    if (
        actor is not None
        and actor.pk == owner.pk
        and owner.is_root
        and not MFADevice.objects.filter(user=owner, confirmed=True).exclude(pk=device.pk).exists()
        and enforcement.is_enforced(owner.account)
    ):
        # An administrator may still remove it (a lost device); the root user is then
        # asked to register one at the next sign-in.
        raise ValidationError(
            _(
                "Your organization requires MFA for the root user: register another MFA device "
                "before you remove this one."
            ),
            code="last_enforced_device",
        )
    notify_owner(device, added=False)
    device.delete()
    if not MFADevice.objects.filter(user=owner, confirmed=True).exists():
        # Recovery codes stand in for a device; with no device left they go too, so that
        # codes from before (perhaps the ones that leaked) never open the next device's door.
        from recovery.models import RecoveryCode

        RecoveryCode.objects.filter(user=owner).delete()
    audit_device_event(
        "DeactivateMFADevice",
        actor=actor,
        account_id=account_id,
        request=request,
        request_parameters={"userName": owner.name, "serialNumber": arn},
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
        device = _lock(device)
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


@transaction.atomic
def mfa_device_rename(*, actor: User, device: MFADevice, name: str, request=None) -> None:
    """A new name, unique within the account; the device's ARN follows its name."""
    device = MFADevice.objects.select_for_update().get(pk=device.pk)
    if name == device.name:
        return
    if (
        MFADevice.objects.filter(account_id=device.account_id, name__iexact=name)
        .exclude(pk=device.pk)
        .exists()
    ):
        raise ValidationError(
            {
                "name": ValidationError(
                    _("An MFA device with this name already exists in this account."),
                    code="duplicate",
                )
            }
        )
    old_arn = device.arn
    device.name = name
    try:
        with transaction.atomic():
            device.save(update_fields=["name"])
    except IntegrityError:
        raise ValidationError(
            {
                "name": ValidationError(
                    _("An MFA device with this name already exists in this account."),
                    code="duplicate",
                )
            }
        ) from None
    audit_device_event(
        "UpdateMFADevice",
        actor=actor,
        account_id=device.account_id,
        request=request,
        request_parameters={"serialNumber": old_arn, "newSerialNumber": device.arn},
    )
