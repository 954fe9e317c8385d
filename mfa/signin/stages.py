"""The MFA stage of signing in: a person with an MFA device finishes signing in with it, after
the password and before the session (``mfa:signin``)."""

from __future__ import annotations

from typing import LiteralString

from accounts.stages import Stage
from mfa.models import MFADevice


class MFA(Stage):
    key = "mfa"
    url_name = "mfa:signin"
    before_login = True
    keeps_next = True

    def candidate_columns(self) -> dict[str, LiteralString]:
        return {
            "has_mfa": 'EXISTS (SELECT 1 FROM "mfa_mfadevice" WHERE "mfa_mfadevice"."user_id" = '
            '"identity_user"."id" AND "mfa_mfadevice"."confirmed")'
        }

    def needed(self, request, user) -> bool:
        has_mfa = getattr(user, "has_mfa", None)  # annotated by the look-up: no second query
        if has_mfa is None:
            has_mfa = MFADevice.objects.filter(user=user, confirmed=True).exists()
        return has_mfa
