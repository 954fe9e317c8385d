"""Virtual MFA devices as the IAM API handles them: created unassigned
(``CreateVirtualMFADevice``), enabled for a user with two consecutive codes
(``EnableMFADevice``), deactivated back to unassigned (``DeactivateMFADevice``), deleted
(``DeleteVirtualMFADevice``).

The console makes a device for its user at once (``services.virtual_mfa_device_create``); the API
makes one for the account and names the user only when it is enabled, as AWS does. The two
tables share one namespace of names (``mfa.base.services.name_taken``). Every refusal is a
``ValidationError`` whose code is the IAM error the API answers with.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from identity import audit
from identity.audit_events import Event
from identity.models import PATH_VALIDATOR, Account, User
from mfa.base.services import (
    check_room,
    mfa_device_delete,
    name_taken,
    notify_owner,
    purge_expired_setups,
    unassigned_expired,
)
from mfa.models import (
    DEVICE_NAME_VALIDATOR,
    MFADevice,
    UnassignedVirtualMFADevice,
    VirtualMFADevice,
)

from . import auth as totp
from .services import ENABLE_WINDOW, two_codes


def _name_exists(name: str) -> ValidationError:
    return ValidationError(
        _("An MFA device with this name already exists in this account: %(name)s.")
        % {"name": name},
        "EntityAlreadyExists",
    )


def _lock_account(account_id: str) -> None:
    """Serialize the account's virtual-device changes made here: names span two tables, which no
    one unique index covers."""
    Account.objects.select_for_update().filter(pk=account_id).values_list("pk").first()


MAX_UNASSIGNED = 100  # per account: names cannot be squatted nor QR codes minted without end


@transaction.atomic
def unassigned_virtual_mfa_device_create(
    *, actor: User | None, account: Account, name: str, path: str = "/", request=None
) -> tuple[UnassignedVirtualMFADevice, bytes]:
    """A virtual MFA device of ``account``, for no user yet, and its fresh 160-bit seed: the only
    time anyone gets it. It is enabled for a user with two codes, or expires after
    ``SETUP_TTL`` as a console setup does.

    ``path`` goes into its ARN (``arn:aws:iam::ACCOUNT:mfa/PATH/NAME``), its serial number; the
    name is still unique in the account whatever the path (AWS: "which must be unique")."""
    for validator, value in (
        (DEVICE_NAME_VALIDATOR, name),
        (MaxLengthValidator(512), path),
        (PATH_VALIDATOR, path),
    ):
        try:
            validator(value)
        except ValidationError as error:
            raise ValidationError(error.messages[0], "ValidationError") from None
    _lock_account(account.pk)
    purge_expired_setups(account.pk)
    if name_taken(account.pk, name):
        raise _name_exists(name)
    if UnassignedVirtualMFADevice.objects.filter(account_id=account.pk).count() >= MAX_UNASSIGNED:
        raise ValidationError(
            _(
                "This account has %(count)d virtual MFA devices that no user has enabled. Enable "
                "or delete some of them first."
            )
            % {"count": MAX_UNASSIGNED},
            "LimitExceeded",
        )
    key = secrets.token_bytes(20)
    device = UnassignedVirtualMFADevice(account=account, name=name, path=path)
    device.set_key(key)
    try:
        with transaction.atomic():
            device.save(force_insert=True)
    except IntegrityError:
        raise _name_exists(name) from None
    audit.record(
        Event.CREATE_VIRTUAL_MFA_DEVICE,
        actor=actor,
        account_id=account.pk,
        request=request,
        request_parameters={"virtualMFADeviceName": name, "path": path},
        response_elements={"virtualMFADevice": {"serialNumber": device.arn}},
    )
    return device, key


def unassigned_virtual_mfa_device_enable(
    *,
    actor: User | None,
    device: UnassignedVirtualMFADevice,
    user: User,
    first_code: str,
    second_code: str,
    request=None,
) -> VirtualMFADevice:
    """Enable ``device`` for ``user`` when the codes are two consecutive codes of its seed, as
    ``services.mfa_device_enable`` does (the same window, never a step used before, the same
    audit and mail): it becomes the user's ``VirtualMFADevice`` with the same seed, name and path
    (so the same serial number), and the unassigned row goes, in one transaction."""
    try:
        first, second = two_codes(first_code, second_code)
    except ValidationError as error:
        raise ValidationError(error.messages[0], "InvalidAuthenticationCode") from None
    if user.account_id != device.account_id:
        raise ValidationError(
            _("The user %(name)s does not exist.") % {"name": user.name}, "NoSuchEntity"
        )
    if user.is_sso:
        raise ValidationError(
            _("IAM Identity Center users manage their MFA devices in the access portal."),
            "InvalidInput",
        )
    with transaction.atomic():
        _lock_account(device.account_id)
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
        locked = (
            UnassignedVirtualMFADevice.objects.select_for_update()
            .filter(pk=device.pk)
            .exclude(unassigned_expired())
            .first()
        )
        if locked is None:
            raise ValidationError(
                _("The virtual MFA device %(serial)s does not exist.") % {"serial": device.arn},
                "NoSuchEntity",
            )
        device = locked
        check_room(user, code="LimitExceeded")
        now = totp.current_step()
        step = totp.find_consecutive(
            device.key, first, second, around=now, window=ENABLE_WINDOW, after=device.last_step
        )
        if step is not None:
            enabled = VirtualMFADevice(
                user=user,
                account_id=device.account_id,
                name=device.name,
                path=device.path,
                kind=MFADevice.Kind.VIRTUAL,
                confirmed=True,
                enabled_at=timezone.now(),
                seed_encrypted=device.seed_encrypted,  # the same seed, as it was encrypted
                last_step=step,
                drift=step - now,
            )
            device.delete()
            try:
                with transaction.atomic():
                    enabled.save(force_insert=True)
            except IntegrityError:  # a console setup took the name in the meantime
                raise _name_exists(enabled.name) from None
            audit.record(
                Event.ENABLE_MFA_DEVICE,
                actor=actor,
                account_id=enabled.account_id,
                request=request,
                request_parameters={"userName": user.name, "serialNumber": enabled.arn},
            )
            notify_owner(enabled, added=True)
            return enabled
    # Recorded outside the transaction above, which the error below would roll back.
    audit.record(
        Event.ENABLE_MFA_DEVICE,
        actor=actor,
        account_id=device.account_id,
        request=request,
        request_parameters={"userName": user.name, "serialNumber": device.arn},
        error_code="InvalidAuthenticationCode",
        error_message="The codes were not two consecutive codes of this device.",
    )
    raise ValidationError(
        _("The codes are not valid. Enter two consecutive codes from the authenticator app."),
        "InvalidAuthenticationCode",
    )


@transaction.atomic
def mfa_device_deactivate(
    *, actor: User | None, device: MFADevice, request=None
) -> UnassignedVirtualMFADevice | None:
    """Take an enabled device away from its user, as AWS's ``DeactivateMFADevice``.

    A virtual device goes back to unassigned, with the same seed, name, path and last step used
    (so the same serial number, and the codes already spent stay spent): it can be enabled again, for this user or another, or
    deleted. A hardware token or a passkey is removed. Either way it is ``mfa_device_delete``
    that takes it from the user: the same refusal for an enforced root user's last device, the
    same mail to the owner, the recovery codes gone with the last device, and one
    ``DeactivateMFADevice`` event. Returns the unassigned device, or None.
    """
    _lock_account(device.account_id)
    locked = MFADevice.objects.select_for_update().filter(pk=device.pk, confirmed=True).first()
    if locked is None:
        raise ValidationError(
            _("The MFA device %(serial)s is not enabled for any user.")
            % {"serial": device.identifier},
            "NoSuchEntity",
        )
    if locked.kind != MFADevice.Kind.VIRTUAL:
        mfa_device_delete(actor=actor, device=locked, request=request)
        return None
    virtual = VirtualMFADevice.objects.get(pk=locked.pk)
    unassigned = UnassignedVirtualMFADevice(
        account_id=virtual.account_id,
        name=virtual.name,
        path=virtual.path,
        seed_encrypted=virtual.seed_encrypted,
        last_step=virtual.last_step,
        drift=virtual.drift,
    )
    mfa_device_delete(actor=actor, device=locked, request=request)
    UnassignedVirtualMFADevice.objects.filter(
        unassigned_expired(), account_id=virtual.account_id, name__iexact=virtual.name
    ).delete()  # an expired setup of that name, not purged yet, would block the insert
    unassigned.save(force_insert=True)
    return unassigned


@transaction.atomic
def unassigned_virtual_mfa_device_delete(
    *,
    actor: User | None,
    device: UnassignedVirtualMFADevice | VirtualMFADevice,
    request=None,
) -> None:
    """Delete an unassigned virtual device; one enabled for a user is refused (DeleteConflict)
    until it is deactivated, as AWS refuses it."""
    if isinstance(device, MFADevice):
        raise ValidationError(
            _("MFA Device must be deactivated before deletion."), "DeleteConflict"
        )
    deleted, _rows = UnassignedVirtualMFADevice.objects.filter(pk=device.pk).delete()
    if not deleted:
        raise ValidationError(
            _("The virtual MFA device %(serial)s does not exist.") % {"serial": device.arn},
            "NoSuchEntity",
        )
    audit.record(
        Event.DELETE_VIRTUAL_MFA_DEVICE,
        actor=actor,
        account_id=device.account_id,
        request=request,
        request_parameters={"serialNumber": device.arn},
    )
