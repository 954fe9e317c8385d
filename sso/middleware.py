"""SSO users in the console act only as a role session; until they register a required
MFA device, only the registration pages open."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from accounts.mfa.models import MFADevice

from . import access, sessions

REGISTRATION_PAGES = frozenset(
    {
        "sso:mfa_required",
        "accounts:mfa_assign",
        "accounts:mfa_enable",
        "accounts:mfa_passkey",
        "accounts:mfa_passkey_options",
        "accounts:change_password",
        "accounts:signout",
        "set_language",
    }
)


class SSOMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_sso:
            return self.get_response(request)
        if request.path_info.startswith(self.static):
            return self.get_response(request)
        organization_id = user.account.organization_id
        if request.session.get(access.REGISTRATION_REQUIRED):
            kinds = access.allowed_device_kinds(user)
            if MFADevice.objects.filter(user=user, confirmed=True, kind__in=kinds).exists():
                request.session.pop(access.REGISTRATION_REQUIRED, None)
            else:
                request.signin_step_pending = "sso_mfa_registration"
                try:
                    name = resolve(request.path_info).view_name
                except Resolver404:
                    name = ""
                if name not in REGISTRATION_PAGES:
                    return redirect("sso:mfa_required", organization_id=organization_id)
        if request.path_info.startswith("/console/"):
            role, why = sessions.current(request, user)
            if role is None:
                if why == "expired":
                    messages.info(request, _("Your console session ended. Open the account again."))
                elif why == "revoked":
                    messages.info(request, _("Your console session is no longer valid."))
                return redirect("sso:portal", organization_id=organization_id)
            request.user = role
        return self.get_response(request)
