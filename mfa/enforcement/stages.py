"""The root MFA prompt: a root user whose organization enforces MFA and who has no device sees
*MFA is required for the root user* after signing in. Until they register a device or (during
the grace period) ask to be reminded later, only the prompt and the registration pages open."""

from __future__ import annotations

from accounts.stages import Stage
from identity import authn_state
from mfa.models import MFADevice
from mfa.pages import REGISTRATION_PAGES

from . import services as enforcement


class RootMFAPrompt(Stage):
    key = "root_mfa_prompt"
    url_name = "mfa:root_prompt"
    open_pages = REGISTRATION_PAGES | {"mfa:root_prompt"}
    keeps_next = True

    def needed(self, request, user) -> bool:
        return user.is_root and enforcement.signin_prompt(request, user) is not None

    def is_pending(self, request, user) -> bool:
        if not authn_state.stage_required(request, self.key):
            return False
        if MFADevice.objects.filter(user=user, confirmed=True).exists():
            authn_state.stage_done(request, self.key)
            return False
        return True
