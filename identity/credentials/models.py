"""Access keys, session credentials, SSH public keys, signing certificates, credential reports.

Secrets that the server needs back in plain text (an access key's secret: SigV4 signs with it)
are encrypted with the field keys (``identity.crypto``). A session token is only ever looked
up, so only its SHA-256 is kept.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity import crypto
from identity.models import Account

MAX_ACCESS_KEYS_PER_USER = 2
MAX_SSH_PUBLIC_KEYS_PER_USER = 5
MAX_SIGNING_CERTIFICATES_PER_USER = 2
# As AWS: a report younger than this is given again instead of a new one, and an older one
# can no longer be downloaded (ReportExpired).
CREDENTIAL_REPORT_LIFETIME = timedelta(hours=4)


class Status(models.TextChoices):
    ACTIVE = "Active", _("Active")
    INACTIVE = "Inactive", _("Inactive")


class AccessKey(models.Model):
    """A long-term access key (``AKIA…``) of an IAM user or a root user."""

    access_key_id = models.CharField(max_length=20, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_keys"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="access_keys")
    secret_encrypted = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_service = models.CharField(max_length=32, blank=True)
    last_used_region = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["user", "created"], name="access_key_user_created_idx")]

    def __str__(self) -> str:
        return self.access_key_id

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted).decode("ascii")


class SessionCredential(models.Model):
    """Temporary credentials (``ASIA…``) from STS ``GetSessionToken``.

    They act as the user who minted them, only while the long-term key they were minted with
    stays active (deactivating or deleting that key ends them at once, which AWS does not do).
    ``mfa_authenticated_at`` is set when a code was given: ``aws:MultiFactorAuthPresent``.
    """

    access_key_id = models.CharField(max_length=20, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_credentials"
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="session_credentials"
    )
    parent = models.ForeignKey(AccessKey, on_delete=models.CASCADE, related_name="sessions")
    secret_encrypted = models.TextField()
    token_sha256 = models.CharField(max_length=64)
    mfa_serial = models.CharField(max_length=1100, blank=True)
    mfa_authenticated_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.access_key_id

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted).decode("ascii")


class SSHPublicKey(models.Model):
    """An SSH public key a user uploaded (for CodeCommit-style Git over SSH)."""

    ssh_public_key_id = models.CharField(max_length=21, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ssh_public_keys"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ssh_public_keys")
    body = models.TextField()
    fingerprint = models.CharField(max_length=47)  # MD5, colon-separated hex, as AWS shows it
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    uploaded = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded", "pk"]
        constraints = [
            models.UniqueConstraint("user", "fingerprint", name="ssh_key_unique_per_user"),
        ]

    def __str__(self) -> str:
        return self.ssh_public_key_id


class SigningCertificate(models.Model):
    """An X.509 signing certificate a user uploaded."""

    certificate_id = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signing_certificates"
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="signing_certificates"
    )
    body = models.TextField()
    fingerprint = models.CharField(max_length=95)  # SHA-256 of the DER, colon-separated hex
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    uploaded = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded", "pk"]
        constraints = [
            models.UniqueConstraint("user", "fingerprint", name="signing_cert_unique_per_user"),
        ]

    def __str__(self) -> str:
        return self.certificate_id


class CredentialReport(models.Model):
    """An account's latest credential report (AWS keeps one; a new one replaces it)."""

    class State(models.TextChoices):
        STARTED = "STARTED"
        COMPLETE = "COMPLETE"

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, primary_key=True, related_name="credential_report"
    )
    state = models.CharField(max_length=8, choices=State.choices)
    requested_at = models.DateTimeField()
    generated_at = models.DateTimeField(null=True, blank=True)
    content = models.TextField(blank=True)  # CSV, AWS's 22 columns
    # The task's progress while it is started: users written of the account's users.
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"credential report of {self.account_id} ({self.state})"

    @property
    def percent(self) -> int:
        if self.state == self.State.COMPLETE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0
