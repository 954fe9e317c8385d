"""Recovery codes: ten single-use codes, shown once, stored as keyed hashes.

Beyond AWS, for the case the seed worries about: the phone that would take
the recovery call is the phone that broke. A code has 50 random bits
(``xxxxx-xxxxx`` in an unambiguous alphabet); the stored form is
HMAC-SHA256 under a key derived from ``SECRET_KEY``, so a stolen table
cannot be brute-forced offline without the key. A code is spent by an
``UPDATE ... WHERE used_at IS NULL`` that changes one row or none.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from identity import audit
from identity.audit_events import Event
from identity.models import User
from identity.queue import enqueue_on_commit
from mfa.models import MFADevice, RecoveryCode

from . import tasks

COUNT = 10
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def _key() -> bytes:
    return hashlib.sha256(b"tobira recovery codes\x00" + settings.SECRET_KEY.encode()).digest()


def normalize(code: str) -> str:
    return "".join(c for c in (code or "").lower() if c in ALPHABET)


def digest(code: str) -> str:
    return hmac.new(_key(), normalize(code).encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def generate(*, user: User, request=None) -> list[str]:
    """A fresh set of codes; the old set stops working. The codes exist only in the return value."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_code() for _ in range(COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=digest(c)) for c in codes)
    audit.record(
        Event.CREATE_RECOVERY_CODES,
        request=request,
        actor=user,
        request_parameters={"userName": user.name, "count": COUNT},
    )
    enqueue_on_commit(
        tasks.send_recovery_codes_created_notification,
        user.pk,
        timezone.now().isoformat(),
        translation.get_language() or "en",
    )
    return codes


# Why a session may not make codes (``closed_reason``); the pages say it in words.
NO_DEVICE = "no_device"
NO_MFA_SESSION = "no_mfa_session"


def closed_reason(*, user: User, signed_in_with_mfa: bool) -> str:
    """Why ``user`` may not make codes in this session now; "" when they may.

    Codes stand in for an MFA device, so a user without one has nothing for them to stand
    in for (and removing the last device deletes them). Only a session that signed in with
    a device may make them: a password and one spent code must not turn into ten fresh
    codes (and revoke the owner's).
    """
    if not MFADevice.objects.filter(user=user, confirmed=True).exists():
        return NO_DEVICE
    if not signed_in_with_mfa:
        return NO_MFA_SESSION
    return ""


def remaining(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def has_codes(user: User) -> bool:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).exists()


def spend(*, user: User, code: str) -> bool:
    """True once for each of ``user``'s codes; the user is told by email."""
    if len(normalize(code)) != 10:
        return False
    spent = RecoveryCode.objects.filter(
        user=user, code_hash=digest(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if spent != 1:
        return False
    enqueue_on_commit(
        tasks.send_recovery_code_used_notification,
        user.pk,
        timezone.now().isoformat(),
        remaining(user),
        translation.get_language() or "en",
    )
    return True
