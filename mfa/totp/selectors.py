"""What an authenticator app needs to be set up (the secret, its otpauth URI, the QR code), and the
reads of virtual MFA devices as the IAM API lists them: assigned to a user or not."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, urlencode

import segno
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.db.models.functions import Collate, Concat
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
ASSIGNED, UNASSIGNED = 0, 1  # the two tables, in the order a tie between them lists them


class CodePointOrder(Collate):
    """``expression COLLATE "C"``: text compared byte by byte, as Python compares ``str`` (for
    ASCII and UTF-8, by code point), whatever the database's own collation. SQLite's default
    (``BINARY``) already compares that way."""

    def __init__(self, expression):
        super().__init__(expression, "C")

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.get_source_expressions()[0])


def device_sort_key():
    """A device's place in the list: its path then its name, as one string. Every serial number
    of an account starts with ``arn:aws:iam::ACCOUNT:mfa``, so this sorts as the serial numbers
    do. Not by path, then by name, which would put ``/z`` (name ``z`` at ``/``) before ``/a/b``
    (name ``b`` at ``/a/``): the ARNs put it after. A path ends with ``/`` and a name has none,
    so the string is one path and one name; names are unique in the account (ignoring case),
    so no two devices of a table share it."""
    return CodePointOrder(Concat("path", "name"))


@dataclass(frozen=True)
class VirtualMFADeviceRow:
    """One virtual MFA device of an account: its serial number (the ARN), the user it is
    enabled for and since when (None for an unassigned one), and the row itself."""

    serial_number: str
    user: User | None
    enable_date: datetime | None
    device: VirtualMFADevice | UnassignedVirtualMFADevice

    @property
    def position(self) -> ListPosition:
        """Where the row is in the list: what a next page starts after."""
        table = UNASSIGNED if isinstance(self.device, UnassignedVirtualMFADevice) else ASSIGNED
        return ListPosition(self.device.path + self.device.name, table, self.device.pk)


@dataclass(frozen=True, order=True)
class ListPosition:
    """A place in the list: a sort key (path then name), then the table and the row's id, which
    order devices only if a name were ever in both tables at once (a tie lists the assigned
    device first). With ``key_is_prefix``, ``key`` is only the start of the row's key (a marker
    cannot hold a long path whole): the whole key is read again from the row, or, the row being
    gone, the start serves (the page may then repeat devices whose keys start the same, never
    skip one)."""

    key: str
    table: int
    pk: int
    key_is_prefix: bool = field(default=False, compare=False)


def account_virtual_mfa_devices(
    account: Account,
    assignment_status: str = "Any",
    *,
    limit: int,
    after: ListPosition | None = None,
) -> list[VirtualMFADeviceRow]:
    """At most ``limit`` of the account's virtual MFA devices, by serial number, after
    ``after``: one query per table whatever their number, at most ``limit`` rows from each
    (keyset: no offset), merged; one more to read a key ``after`` holds only the start of.

    Assigned: enabled for an IAM user or the root user (SSO users' devices belong to the access
    portal, not to the account's IAM). Unassigned: created through the API and not enabled yet
    (until they expire, as a console setup does), or deactivated from their user. A console setup
    still waiting for its two codes is neither, as in AWS's console until it is enabled.
    """
    if assignment_status not in ASSIGNMENT_STATUSES:
        raise ValidationError(
            _("The assignment status is Any, Assigned or Unassigned."), "ValidationError"
        )
    if after is not None and after.key_is_prefix:
        after = _whole_position(account, after)
    rows = []
    if assignment_status in ("Any", "Assigned"):
        assigned = (
            VirtualMFADevice.objects.filter(account=account, confirmed=True)
            .exclude(user__kind=User.Kind.SSO)
            .select_related("user")
        )
        rows += [
            VirtualMFADeviceRow(d.arn, d.user, d.enabled_at, d)
            for d in _after(assigned, ASSIGNED, after)[:limit]
        ]
    if assignment_status in ("Any", "Unassigned"):
        unassigned = UnassignedVirtualMFADevice.objects.filter(account=account).exclude(
            unassigned_expired()
        )
        rows += [
            VirtualMFADeviceRow(d.arn, None, None, d)
            for d in _after(unassigned, UNASSIGNED, after)[:limit]
        ]
    return sorted(rows, key=lambda row: row.position)[:limit]


def _after(queryset: QuerySet, table: int, after: ListPosition | None) -> QuerySet:
    """``queryset`` (one table's devices) in list order, from the first row after ``after``."""
    queryset = queryset.alias(sort_key=device_sort_key()).order_by("sort_key", "pk")
    if after is None:
        return queryset
    if table < after.table:  # this table's device with the same key came before the position
        return queryset.filter(sort_key__gt=after.key)
    if table > after.table:  # ... came after it
        return queryset.filter(sort_key__gte=after.key)
    return queryset.filter(Q(sort_key__gt=after.key) | Q(sort_key=after.key, pk__gt=after.pk))


def _whole_position(account: Account, position: ListPosition) -> ListPosition:
    """``position`` with the whole key of its row, read again; as it is if the row is gone."""
    model = UnassignedVirtualMFADevice if position.table == UNASSIGNED else VirtualMFADevice
    key = (
        model.objects.filter(account=account, pk=position.pk)
        .annotate(sort_key=device_sort_key())
        .values_list("sort_key", flat=True)
        .first()
    )
    if key is None or not key.startswith(position.key):
        return position
    return ListPosition(key, position.table, position.pk)


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
