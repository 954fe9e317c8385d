"""SSO MFA registration: an SSO user whose organization says "register a device at sign-in"
and who has none of the allowed kinds registers one before anything else opens."""

from __future__ import annotations

from django.urls import reverse

from accounts.stages import Stage
from identity import authn_state
from mfa.models import MFADevice
from mfa.pages import REGISTRATION_PAGES

from . import access


class SSOMFARegistration(Stage):
    key = access.REGISTRATION_STAGE
    url_name = "sso:mfa_required"
    open_pages = REGISTRATION_PAGES | {"sso:mfa_required"}

    def is_pending(self, request, user) -> bool:
        if not user.is_sso or not authn_state.stage_required(request, self.key):
            return False
        kinds = access.allowed_device_kinds(user)
        if MFADevice.objects.filter(user=user, confirmed=True, kind__in=kinds).exists():
            authn_state.stage_done(request, self.key)
            return False
        return True

    def url(self, request, user) -> str:
        return reverse("sso:mfa_required", kwargs={"organization_id": user.account.organization_id})
