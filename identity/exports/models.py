"""A long list's download, prepared by a Celery task while the page shows its progress.

The file is kept for ``EXPORT_LIFETIME`` and only its requester may fetch it (within what they
still reach). It holds what the list showed them: no secret is ever in a list.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from identity.models import Account

EXPORT_LIFETIME = timedelta(hours=24)
# A job that has not finished after this long is taken as lost (its worker died).
EXPORT_TIMEOUT = timedelta(minutes=30)


def new_export_id() -> str:
    return secrets.token_urlsafe(16)


class ExportJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "QUEUED"
        RUNNING = "RUNNING"
        COMPLETE = "COMPLETE"
        FAILED = "FAILED"

    export_id = models.CharField(max_length=32, unique=True, default=new_export_id)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports"
    )
    kind = models.CharField(max_length=32)  # which list (a key of the console's registry)
    parameters = models.JSONField(default=dict)  # the list's sort and filters, validated
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=128)
    content = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "requested_by", "-created"], name="export_owner_idx")
        ]

    def __str__(self) -> str:
        return f"export {self.kind} of {self.account_id} ({self.state})"

    @property
    def percent(self) -> int:
        if self.state == self.State.COMPLETE:
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)

    @property
    def expires(self):
        return self.created + EXPORT_LIFETIME

    @property
    def lost(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING) and (
            self.created < timezone.now() - EXPORT_TIMEOUT
        )
