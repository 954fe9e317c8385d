"""Ways back in for a person who lost their MFA device."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RecoveryCode(models.Model):
    """One single-use recovery code, stored as a keyed hash (never the code)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("user", "code_hash", name="recovery_code_unique_per_user")
        ]
        indexes = [models.Index(fields=["user", "used_at"], name="recovery_code_user_used_idx")]

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}"
