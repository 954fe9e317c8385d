"""The credential report of an account, in AWS IAM's format: a CSV of AWS's 22 columns, the root
user first (as ``<root_account>``), then every IAM user of the account by name. SSO users are not
in it: they are the access portal's people, not the account's IAM users.

It is built here, in the mfa layer, rather than beside ``CredentialReport`` in
``identity.credentials``: ``mfa_active`` reads the users' MFA devices (``mfa.models``), and the
identity layer below must not import mfa. Access keys and signing certificates are read from
``identity.credentials``, below.

Four queries whatever the number of users (the users, streamed in chunks; their access keys;
their signing certificates; who has an enabled MFA device), and the rows are produced one at a
time, so 10 000 users cost memory only for their keys and certificates.

The values are AWS's (IAM User Guide, "Getting credential reports", *Understanding the report
format*): ISO 8601 times in UTC (``2026-11-30T12:34:56+00:00``), ``true``/``false``, ``N/A`` where
a credential is absent or was never used, ``no_information`` for a password that was never used,
``not_supported`` for what the root user's row never has. Where Tobira keeps less than AWS:

- ``password_last_changed``: Tobira does not record when a password was set, so a user with a
  password gets ``not_supported`` (``N/A`` without one; ``not_supported`` for root, as AWS).
- ``password_next_rotation``: Tobira has no password policy that makes passwords expire, so it is
  ``N/A`` (``not_supported`` for root, as AWS).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import BooleanField, Case, ExpressionWrapper, IntegerField, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from identity import arns
from identity.credentials.models import AccessKey, CredentialReport, SigningCertificate, Status
from identity.models import Account, User
from mfa.models import MFADevice

COLUMNS = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
)
ROOT_USER = "<root_account>"
NOT_APPLICABLE = "N/A"
NO_INFORMATION = "no_information"
NOT_SUPPORTED = "not_supported"
CHUNK = 2000  # users fetched per round trip of the server-side cursor
PROGRESS_EVERY = 500  # users written between two writes of the progress


def timestamp(moment: datetime | None) -> str:
    """``2026-11-30T12:34:56+00:00``, as AWS writes times in the report; N/A for none."""
    if moment is None:
        return NOT_APPLICABLE
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _password(is_root: bool, has_password: bool, last_used: datetime | None) -> list[str]:
    """password_enabled, password_last_used, password_last_changed, password_next_rotation."""
    if not has_password:
        last_used_text = NOT_APPLICABLE
    else:
        last_used_text = timestamp(last_used) if last_used else NO_INFORMATION
    if is_root:
        return [NOT_SUPPORTED, last_used_text, NOT_SUPPORTED, NOT_SUPPORTED]
    return [
        _flag(has_password),
        last_used_text,
        NOT_SUPPORTED if has_password else NOT_APPLICABLE,  # Tobira does not record it
        NOT_APPLICABLE,  # no password policy makes passwords expire
    ]


def _access_key(key: tuple | None) -> list[str]:
    """access_key_N_active, _last_rotated, _last_used_date, _last_used_region, _last_used_service.

    As AWS documents it: the creation date only for an active key; the last use (when, where,
    which service) for any key that was used, and N/A for a region-less service."""
    if key is None:
        return ["false"] + [NOT_APPLICABLE] * 4
    status, created, last_used_at, service, region = key
    active = status == Status.ACTIVE
    used = last_used_at is not None
    return [
        _flag(active),
        timestamp(created) if active else NOT_APPLICABLE,
        timestamp(last_used_at) if used else NOT_APPLICABLE,
        region if used and region else NOT_APPLICABLE,
        service if used and service else NOT_APPLICABLE,
    ]


def _certificate(certificate: tuple | None) -> list[str]:
    """cert_N_active, cert_N_last_rotated (the upload date of an active certificate)."""
    if certificate is None:
        return ["false", NOT_APPLICABLE]
    status, uploaded = certificate
    active = status == Status.ACTIVE
    return [_flag(active), timestamp(uploaded) if active else NOT_APPLICABLE]


def _first_two(rows: Iterable[tuple]) -> dict[int, list[tuple]]:
    """``(user_id, *values)`` rows in order, as ``user_id -> [values, values]`` (at most two:
    the report has columns for two keys and two certificates)."""
    by_user: dict[int, list[tuple]] = defaultdict(list)
    for user_id, *values in rows:
        if len(by_user[user_id]) < 2:
            by_user[user_id].append(tuple(values))
    return by_user


def credential_report_rows(account: Account) -> Iterator[list[str]]:
    """The header, then one row per user: the root user, then the IAM users by name."""
    keys = _first_two(
        AccessKey.objects.filter(account=account)
        .order_by("user_id", "created", "pk")
        .values_list(
            "user_id", "status", "created", "last_used_at", "last_used_service", "last_used_region"
        )
    )
    certificates = _first_two(
        SigningCertificate.objects.filter(account=account)
        .order_by("user_id", "uploaded", "pk")
        .values_list("user_id", "status", "uploaded")
    )
    with_mfa = set(
        MFADevice.objects.filter(account=account, confirmed=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    users = (
        User.objects.filter(account=account, kind__in=[User.Kind.ROOT, User.Kind.IAM])
        .annotate(
            root_first=Case(
                When(kind=User.Kind.ROOT, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            has_password=ExpressionWrapper(
                ~Q(password__startswith=UNUSABLE_PASSWORD_PREFIX), output_field=BooleanField()
            ),
        )
        .order_by("root_first", Lower("name"), "pk")
        .values_list("pk", "kind", "name", "arn", "created", "password_last_used", "has_password")
    )

    yield list(COLUMNS)
    first = True
    for pk, kind, name, arn, created, password_last_used, has_password in users.iterator(CHUNK):
        is_root = kind == User.Kind.ROOT
        if first and not is_root:
            yield _rootless_row(account)
        first = False
        user_keys = keys.get(pk, [])
        user_certificates = certificates.get(pk, [])
        yield (
            [
                ROOT_USER if is_root else name,
                arns.root(account.pk) if is_root else arn,
                timestamp(created),
            ]
            + _password(is_root, has_password, password_last_used)
            + [_flag(pk in with_mfa)]
            + _access_key(user_keys[0] if user_keys else None)
            + _access_key(user_keys[1] if len(user_keys) > 1 else None)
            + _certificate(user_certificates[0] if user_certificates else None)
            + _certificate(user_certificates[1] if len(user_certificates) > 1 else None)
        )
    if first:
        yield _rootless_row(account)


def _rootless_row(account: Account) -> list[str]:
    """The first row of an account without a root user row (every account Tobira makes has
    one): the root user's row is always there in AWS's report."""
    return (
        [ROOT_USER, arns.root(account.pk), timestamp(account.created)]
        + _password(True, False, None)
        + ["false"]
        + _access_key(None) * 2
        + _certificate(None) * 2
    )


def credential_report_lines(account: Account) -> Iterator[str]:
    """The report as CSV lines (``\\n``-terminated, quoted only where a value needs it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in credential_report_rows(account):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def credential_report_csv(account: Account) -> str:
    return "".join(credential_report_lines(account))


def credential_report_complete(*, account_id: str) -> bool:
    """Build the report of a started request and store it as complete (the task's one call).

    The time is taken before the users are read, so ``generated_at`` never claims more than
    the report saw. The report is stored only if it is still the started one (a second request
    after a lost task may have started another): False when nothing was stored.
    """
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        return False
    generated_at = timezone.now()
    started = CredentialReport.objects.filter(
        account_id=account_id, state=CredentialReport.State.STARTED
    )
    total = User.objects.filter(account=account, kind__in=[User.Kind.ROOT, User.Kind.IAM]).count()
    started.update(total=total, done=0)
    lines = []
    for written, line in enumerate(credential_report_lines(account)):
        lines.append(line)
        if written and written % PROGRESS_EVERY == 0:  # the page shows how far it got
            started.update(done=written)
    content = "".join(lines)
    stored = CredentialReport.objects.filter(
        account_id=account_id, state=CredentialReport.State.STARTED
    ).update(
        state=CredentialReport.State.COMPLETE,
        generated_at=generated_at,
        content=content,
        done=total,
    )
    return stored == 1
