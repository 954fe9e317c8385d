"""State changes of a user's credentials for programs: access keys (create: the secret is
returned once; activate or deactivate; delete; the "last used" stamp), SSH public keys and
X.509 signing certificates (upload, activate or deactivate, delete), and the organization's
setting for root users' access keys. Each change is audited, never with a secret.

A refusal is a ``ValidationError(message, code)``: ``code`` is the AWS IAM error code the API
answers with (``LimitExceeded``, ``DuplicateSSHPublicKey``, ``MalformedCertificate``…)."""

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
from identity.models import Organization, User

from .models import (
    MAX_ACCESS_KEYS_PER_USER,
    MAX_SIGNING_CERTIFICATES_PER_USER,
    MAX_SSH_PUBLIC_KEYS_PER_USER,
    AccessKey,
    SessionCredential,
    SigningCertificate,
    SSHPublicKey,
    Status,
)
from .parsing import signing_certificate_parse, ssh_public_key_parse

LAST_USED_EVERY = timedelta(minutes=1)  # "last used" is written at most once a minute per key


def _lock_user(user: User) -> User:
    """``user`` again, its row locked: the user's limits hold against concurrent requests.

    Only the user's row (``of=("self",)``): PostgreSQL refuses FOR UPDATE on the nullable side
    of the outer join that ``select_related`` makes through the nullable account."""
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


def _check_status(status: str) -> None:
    if status not in Status.values:
        raise ValidationError(_("The status is Active or Inactive."), "ValidationError")


def _status_set(credential, status: str, event: Event, id_name: str, *, actor, request) -> None:
    """Set an access key's, SSH key's or certificate's status, and audit it by its id."""
    _check_status(status)
    type(credential).objects.filter(pk=credential.pk).update(status=status)
    credential.status = status
    audit.record(
        event,
        actor=actor,
        account_id=credential.account_id,
        request=request,
        request_parameters={
            "userName": credential.user.name,
            id_name: _public_id(credential),
            "status": status,
        },
    )


def _delete(credential, event: Event, id_name: str, *, actor, request) -> None:
    user_name = credential.user.name
    credential.delete()
    audit.record(
        event,
        actor=actor,
        account_id=credential.account_id,
        request=request,
        request_parameters={"userName": user_name, id_name: _public_id(credential)},
    )


def _uploaded(credential, event: Event, id_name: str, *, actor, request):
    """Store a new SSH key or certificate and audit it by its id and fingerprint."""
    credential.save(force_insert=True)
    audit.record(
        event,
        actor=actor,
        account_id=credential.account_id,
        request=request,
        request_parameters={"userName": credential.user.name},
        response_elements={
            id_name: _public_id(credential),
            "fingerprint": credential.fingerprint,
            "status": credential.status,
        },
    )
    return credential


def _public_id(credential) -> str:
    if isinstance(credential, AccessKey):
        return credential.access_key_id
    if isinstance(credential, SSHPublicKey):
        return credential.ssh_public_key_id
    return credential.certificate_id


@transaction.atomic
def access_key_status_set(*, actor: User, key: AccessKey, status: str, request=None) -> None:
    if status == Status.INACTIVE:
        # Its session credentials end now, and do not come back if the key is reactivated
        # (after a compromise an attacker's ASIA credentials must stay dead).
        SessionCredential.objects.filter(parent=key).delete()
    _status_set(key, status, Event.UPDATE_ACCESS_KEY, "accessKeyId", actor=actor, request=request)


@transaction.atomic
def access_key_delete(*, actor: User, key: AccessKey, request=None) -> None:
    """Delete ``key``; the session credentials minted with it end with it."""
    _delete(key, Event.DELETE_ACCESS_KEY, "accessKeyId", actor=actor, request=request)


@transaction.atomic
def root_access_keys_setting_set(
    *, actor: User, organization: Organization, allowed: bool, request=None
) -> None:
    """Allow or forbid access keys for the root users of ``organization``'s accounts.

    Only the management account's root user decides. Forbidding stops new root keys; keys
    that exist keep working until their root users delete them (the page says how many).
    """
    if not (actor.is_root and actor.account_id == organization.management_account_id):
        raise ValidationError(
            _("Only the root user of the management account can change this setting."),
            "AccessDenied",
        )
    Organization.objects.filter(pk=organization.pk).update(root_access_keys_allowed=allowed)
    organization.root_access_keys_allowed = allowed
    audit.record(
        Event.UPDATE_ROOT_ACCESS_KEYS_SETTING,
        actor=actor,
        account_id=organization.management_account_id,
        request=request,
        request_parameters={"organizationId": organization.pk, "rootAccessKeysAllowed": allowed},
    )


# --- SSH public keys -------------------------------------------------------------------


def _refuse_unless_iam_user(user: User, message: str) -> None:
    if user.is_sso or user.is_root:
        raise ValidationError(message, "Invalid")


@transaction.atomic
def ssh_public_key_upload(*, actor: User, user: User, body: str, request=None) -> SSHPublicKey:
    """Add an SSH public key (OpenSSH or PEM) to ``user``: at most five, each once."""
    parsed = ssh_public_key_parse(body)  # before the lock: a refused paste costs no query
    user = _lock_user(user)
    _refuse_unless_iam_user(user, _("Only IAM users can have SSH public keys."))
    existing = list(SSHPublicKey.objects.filter(user=user).values_list("fingerprint", flat=True))
    if parsed.fingerprint in existing:
        raise ValidationError(
            _("This SSH public key is already uploaded for this user (fingerprint %(fp)s).")
            % {"fp": parsed.fingerprint},
            "DuplicateSSHPublicKey",
        )
    if len(existing) >= MAX_SSH_PUBLIC_KEYS_PER_USER:
        raise ValidationError(
            _(
                "A user can have at most %(count)d SSH public keys. Delete one you no longer "
                "use, then upload the new one."
            )
            % {"count": MAX_SSH_PUBLIC_KEYS_PER_USER},
            "LimitExceeded",
        )
    key = SSHPublicKey(
        ssh_public_key_id=ids.new_ssh_public_key_id(),
        user=user,
        account_id=user.account_id,
        body=parsed.body,
        fingerprint=parsed.fingerprint,
    )
    return _uploaded(
        key, Event.UPLOAD_SSH_PUBLIC_KEY, "sSHPublicKeyId", actor=actor, request=request
    )


@transaction.atomic
def ssh_public_key_status_set(*, actor: User, key: SSHPublicKey, status: str, request=None) -> None:
    _status_set(
        key, status, Event.UPDATE_SSH_PUBLIC_KEY, "sSHPublicKeyId", actor=actor, request=request
    )


@transaction.atomic
def ssh_public_key_delete(*, actor: User, key: SSHPublicKey, request=None) -> None:
    _delete(key, Event.DELETE_SSH_PUBLIC_KEY, "sSHPublicKeyId", actor=actor, request=request)


# --- X.509 signing certificates ----------------------------------------------------------


@transaction.atomic
def signing_certificate_upload(
    *, actor: User, user: User, body: str, request=None
) -> SigningCertificate:
    """Add a PEM X.509 certificate to ``user`` (an IAM user or a root user): at most two."""
    parsed = signing_certificate_parse(body)
    user = _lock_user(user)
    if user.is_sso:
        raise ValidationError(
            _("IAM Identity Center users cannot have signing certificates."), "Invalid"
        )
    existing = list(
        SigningCertificate.objects.filter(user=user).values_list("fingerprint", flat=True)
    )
    if parsed.fingerprint in existing:
        raise ValidationError(
            _("This certificate is already uploaded for this user."), "DuplicateCertificate"
        )
    if len(existing) >= MAX_SIGNING_CERTIFICATES_PER_USER:
        raise ValidationError(
            _(
                "A user can have at most %(count)d signing certificates. Delete one you no "
                "longer use, then upload the new one."
            )
            % {"count": MAX_SIGNING_CERTIFICATES_PER_USER},
            "LimitExceeded",
        )
    certificate = SigningCertificate(
        certificate_id=ids.new_signing_certificate_id(),
        user=user,
        account_id=user.account_id,
        body=parsed.body,
        fingerprint=parsed.fingerprint,
    )
    return _uploaded(
        certificate,
        Event.UPLOAD_SIGNING_CERTIFICATE,
        "certificateId",
        actor=actor,
        request=request,
    )


@transaction.atomic
def signing_certificate_status_set(
    *, actor: User, certificate: SigningCertificate, status: str, request=None
) -> None:
    _status_set(
        certificate,
        status,
        Event.UPDATE_SIGNING_CERTIFICATE,
        "certificateId",
        actor=actor,
        request=request,
    )


@transaction.atomic
def signing_certificate_delete(*, actor: User, certificate: SigningCertificate, request=None):
    _delete(
        certificate, Event.DELETE_SIGNING_CERTIFICATE, "certificateId", actor=actor, request=request
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
