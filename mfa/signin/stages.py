"""The MFA stage of signing in: a person with an MFA device finishes signing in with it, after
the password and before the session (``mfa:signin``)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from accounts.stages import Stage
from mfa.models import MFADevice


class MFA(Stage):
    key = "mfa"
    url_name = "mfa:signin"
    before_login = True
    keeps_next = True

    def candidate_annotations(self) -> dict:
        return {"has_mfa": Exists(MFADevice.objects.filter(user=OuterRef("pk"), confirmed=True))}

    def needed(self, request, user) -> bool:
        has_mfa = getattr(user, "has_mfa", None)  # annotated by the look-up: no second query
        if has_mfa is None:
            has_mfa = MFADevice.objects.filter(user=user, confirmed=True).exists()
        return has_mfa
