"""What the applications of an organization are signed for: its signing keys.

Each organization is its own issuer (``/o/<organization id>``) with its own keys, one pair of
states per algorithm: the *current* key signs, the *next* key is already published (relying
parties that cache the JWKS learn it before it signs anything), the *previous* key is still
published so that what it signed stays verifiable until the next rotation. Private keys are
stored encrypted with the field keys (``identity.crypto``), never in the clear.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from identity.models import Organization


class SigningKey(models.Model):
    class Algorithm(models.TextChoices):
        RS256 = "RS256", "RS256"
        ES256 = "ES256", "ES256"

    class State(models.TextChoices):
        NEXT = "next", "next"  # published, not signing yet
        CURRENT = "current", "current"  # signs
        PREVIOUS = "previous", "previous"  # published, no longer signing
        RETIRED = "retired", "retired"  # neither (kept for the record)

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="signing_keys"
    )
    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=8, choices=Algorithm.choices)
    state = models.CharField(max_length=10, choices=State.choices)
    public_jwk = models.JSONField()
    private_key_encrypted = models.TextField()  # PKCS#8 PEM, encrypted with identity.crypto
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "organization",
                "algorithm",
                "state",
                condition=~Q(state="retired"),
                name="signing_key_one_per_state",
            )
        ]
        indexes = [models.Index(fields=["organization", "state"], name="signing_key_org_state_idx")]

    def __str__(self) -> str:
        return f"{self.algorithm} key {self.kid} ({self.state})"
