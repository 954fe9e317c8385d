"""What every kind of MFA device shares: the eight-device limit, unique names, saving a new
device, renaming, deleting (with the clean-up of the last one), telling the owner, and the audit.

The kind-specific state changes live with their factor: ``mfa.totp.services`` (authenticator
apps and hardware tokens) and ``mfa.webauthn.flows`` (passkeys and security keys).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from identity import audit, tasks
from identity.audit_events import Event
from identity.models import User
from identity.queue import enqueue_on_commit
from mfa.enforcement import services as enforcement
from mfa.models import (
    MAX_DEVICES_PER_USER,
    MFADevice,
    RecoveryCode,
    UnassignedVirtualMFADevice,
    concrete_model,
)

logger = logging.getLogger(__name__)

SETUP_TTL = timedelta(minutes=15)  # an abandoned authenticator-app setup expires


def unassigned_expired() -> Q:
    """Unassigned virtual devices created more than ``SETUP_TTL`` ago and never enabled: they
    expire as a console setup does. A device that was ever enabled has spent a code (its
    ``last_step`` is a real step, never -1), so one deactivated from its user is kept, as AWS
    keeps it, until someone deletes it."""
    return Q(last_step=-1, created_at__lt=timezone.now() - SETUP_TTL)


def purge_expired_setups(account_id: str) -> None:
    """Delete the account's abandoned setups: console ones never enabled, API ones never
    enabled (``unassigned_expired``), so their names are free again."""
    MFADevice.objects.filter(
        account_id=account_id, confirmed=False, created_at__lt=timezone.now() - SETUP_TTL
    ).delete()
    UnassignedVirtualMFADevice.objects.filter(unassigned_expired(), account_id=account_id).delete()


def name_taken(account_id: str, name: str, *, exclude_pk: int | None = None) -> bool:
    """Whether an MFA device of the account, assigned or not, has ``name`` (ignoring case): the
    two tables share one namespace, as AWS's devices share one ARN space."""
    devices = MFADevice.objects.filter(account_id=account_id, name__iexact=name)
    if exclude_pk is not None:
        devices = devices.exclude(pk=exclude_pk)
    unassigned = UnassignedVirtualMFADevice.objects.filter(
        account_id=account_id, name__iexact=name
    ).exclude(unassigned_expired())
    return devices.exists() or unassigned.exists()


def notify_owner(device: MFADevice, *, added: bool) -> None:
    enqueue_on_commit(
        tasks.send_mfa_device_notification,
        device.user_id,
        device.arn,
        added,
        timezone.now().isoformat(),
        translation.get_language() or "en",
    )


def check_room(user, *, code: str = "too_many_devices") -> None:
    """At most eight enabled devices per user, of every kind together (as AWS); ``code`` is the
    refusal's (the IAM API's services say ``LimitExceeded``)."""
    if MFADevice.objects.filter(user=user, confirmed=True).count() >= MAX_DEVICES_PER_USER:
        raise ValidationError(
            _("You can have at most %(max)d MFA devices. Remove one before you add another.")
            % {"max": MAX_DEVICES_PER_USER},
            code=code,
        )


def check_room_and_name(user: User, name: str) -> None:
    """Room for one more device, and ``name`` (when given) free in the account."""
    purge_expired_setups(user.account_id)
    check_room(user)
    if name and name_taken(user.account_id, name):
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
            raise serial_taken() from None
        raise ValidationError(
            {
                "name": ValidationError(
                    _("An MFA device with this name already exists in this account."),
                    code="duplicate",
                )
            }
        ) from None


def lock(device: MFADevice):
    """The device's kind-specific row, locked until the transaction ends (one query)."""
    return concrete_model(device.kind).objects.select_for_update().get(pk=device.pk)


def serial_taken() -> ValidationError:
    return ValidationError(
        {
            "serial": ValidationError(
                _("A token with this serial number is already assigned."), code="duplicate"
            )
        }
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
        RecoveryCode.objects.filter(user=owner).delete()
    audit.record(
        Event.DEACTIVATE_MFA_DEVICE,
        actor=actor,
        account_id=account_id,
        request=request,
        request_parameters={"userName": owner.name, "serialNumber": arn},
    )


@transaction.atomic
def mfa_device_rename(*, actor: User, device: MFADevice, name: str, request=None) -> None:
    """A new name, unique within the account; the device's ARN follows its name."""
    device = MFADevice.objects.select_for_update().get(pk=device.pk)
    if name == device.name:
        return
    if name_taken(device.account_id, name, exclude_pk=device.pk):
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
    audit.record(
        Event.UPDATE_MFA_DEVICE,
        actor=actor,
        account_id=device.account_id,
        request=request,
        request_parameters={"serialNumber": old_arn, "newSerialNumber": device.arn},
    )


@transaction.atomic
def root_user_mfa_reset(*, actor: User, root: User, devices: list[MFADevice], request=None) -> None:
    """Centralized reset of a member account's root user (from the management account): each of
    ``devices`` goes as ``mfa_device_delete`` removes one (audited, the owner told, recovery codes
    with the last one), and one ``ResetRootUserMFA`` event goes in the member account's trail and
    in the acting management account's."""
    for device in devices:
        mfa_device_delete(actor=actor, device=device, request=request)
    for trail in {root.account_id, actor.account_id}:
        audit.record(
            Event.RESET_ROOT_USER_MFA,
            request=request,
            actor=actor,
            account_id=trail,
            request_parameters={"accountId": root.account_id, "devicesRemoved": len(devices)},
        )
