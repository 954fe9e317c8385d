"""State changes of access keys: create (the secret is returned once), activate or deactivate,
delete, and the "last used" stamp. Each change is audited, never with the secret."""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from identity import audit, crypto, ids
from identity.audit_events import Event
from identity.models import User

from .models import MAX_ACCESS_KEYS_PER_USER, AccessKey, Status

LAST_USED_EVERY = timedelta(minutes=1)  # "last used" is written at most once a minute per key


def _lock_user(user: User) -> User:
    # of=("self",): the account is on the nullable side of an outer join, which PostgreSQL
    # will not lock (and need not: the user row is what two requests race for).
    return (
        User.objects.select_for_update(of=("self",))
        .select_related("account__organization")
        .get(pk=user.pk)
    )


@transaction.atomic
def access_key_create(*, actor: User, user: User, request=None) -> tuple[AccessKey, str]:
    """A new active key of ``user``, and its secret: the only time anyone sees it."""
    user = _lock_user(user)  # two concurrent requests cannot both take the second slot
    if user.is_sso:
        raise ValidationError(_("IAM Identity Center users cannot have access keys."), "Invalid")
    if user.is_root and not user.account.organization.root_access_keys_allowed:
        raise ValidationError(
            _("Your organization does not allow access keys for root users."), "AccessDenied"
        )
    if AccessKey.objects.filter(user=user).count() >= MAX_ACCESS_KEYS_PER_USER:
        raise ValidationError(
            _(
                "A user can have at most %(count)d access keys. Delete one you no longer use, "
                "then create the new one."
            )
            % {"count": MAX_ACCESS_KEYS_PER_USER},
            "LimitExceeded",
        )
    secret = ids.new_secret_access_key()
    key = AccessKey(
        access_key_id=ids.new_access_key_id(),
        user=user,
        account_id=user.account_id,
        secret_encrypted=crypto.encrypt(secret.encode("ascii")),
    )
    key.save(force_insert=True)
    audit.record(
        Event.CREATE_ACCESS_KEY,
        actor=actor,
        account_id=user.account_id,
        request=request,
        request_parameters={"userName": user.name},
        response_elements={"accessKeyId": key.access_key_id, "status": key.status},
    )
    return key, secret


@transaction.atomic
def access_key_status_set(*, actor: User, key: AccessKey, status: str, request=None) -> None:
    if status not in Status.values:
        raise ValidationError(_("The status is Active or Inactive."), "ValidationError")
    AccessKey.objects.filter(pk=key.pk).update(status=status)
    key.status = status
    audit.record(
        Event.UPDATE_ACCESS_KEY,
        actor=actor,
        account_id=key.account_id,
        request=request,
        request_parameters={
            "userName": key.user.name,
            "accessKeyId": key.access_key_id,
            "status": status,
        },
    )


@transaction.atomic
def access_key_delete(*, actor: User, key: AccessKey, request=None) -> None:
    """Delete ``key``; the session credentials minted with it end with it."""
    user_name = key.user.name
    key.delete()
    audit.record(
        Event.DELETE_ACCESS_KEY,
        actor=actor,
        account_id=key.account_id,
        request=request,
        request_parameters={"userName": user_name, "accessKeyId": key.access_key_id},
    )


_last_written: dict[int, float] = {}  # key pk -> monotonic time this process last wrote it


def access_key_mark_used(key: AccessKey, *, service: str, region: str) -> None:
    """Stamp "last used" (time, service, region), at most once a minute per key.

    Each process remembers when it last wrote a key, so a busy key costs no query at all
    between writes; the conditional UPDATE keeps the minute across processes too.
    """
    now_mono = time.monotonic()
    if now_mono - _last_written.get(key.pk, -1e9) < LAST_USED_EVERY.total_seconds():
        return
    if len(_last_written) > 100_000:
        _last_written.clear()
    _last_written[key.pk] = now_mono
    now = timezone.now()
    AccessKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
    ).update(last_used_at=now, last_used_service=service[:32], last_used_region=region[:32])
