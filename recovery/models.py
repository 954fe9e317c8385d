"""Ways back in for a person who lost their MFA device."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class RecoveryAttempt(models.Model):
    """One "Sign in using alternative factors" of a root user: email link, then phone call.

    Tokens are stored as hashes only; the email step's token is made by the
    task that mails it, so it exists nowhere else but in the message.
    """

    class State(models.TextChoices):
        STARTED = "started"
        EMAIL_SENT = "email_sent"
        EMAIL_VERIFIED = "email_verified"
        CALL_REQUESTED = "call_requested"
        CALL_IN_PROGRESS = "call_in_progress"
        PHONE_VERIFIED = "phone_verified"
        COMPLETED = "completed"
        EXPIRED = "expired"
        FAILED = "failed"
        CANCELLED = "cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_attempts"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.STARTED)
    session_hash = models.CharField(max_length=64)  # the browser session the attempt belongs to
    email_token_hash = models.CharField(max_length=64, blank=True)
    email_token_expires_at = models.DateTimeField(null=True, blank=True)
    email_sends_requested = models.PositiveSmallIntegerField(default=1)
    email_sends_done = models.PositiveSmallIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    phone_code_hash = models.CharField(max_length=64, blank=True)  # the code the browser shows
    call_sid = models.CharField(max_length=64, blank=True)
    calls_requested = models.PositiveSmallIntegerField(default=0)
    call_requested_at = models.DateTimeField(null=True, blank=True)  # the current call's
    call_placed_at = models.DateTimeField(null=True, blank=True)  # ... and when it rang
    calls_placed = models.PositiveSmallIntegerField(default=0)
    digit_tries = models.PositiveSmallIntegerField(default=0)
    call_error = models.CharField(max_length=32, blank=True)  # no-answer, busy, failed, digits, api
    language = models.CharField(max_length=8, default="en")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="recovery_attempt_user_idx")]

    def __str__(self) -> str:
        return f"recovery {self.pk} ({self.state})"
